package dev.mailserver.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

import javax.mail.Flags;

import org.apache.james.mailbox.MessageUid;
import org.apache.james.mailbox.exception.UnsupportedSearchException;
import org.apache.james.mailbox.model.SearchQuery;
import org.apache.james.mailbox.model.SearchQuery.DateResolution;
import org.junit.jupiter.api.Test;

/** What each SearchQuery criterion becomes, as the JSON OpenSearch receives. */
class SearchQueryTranslatorTest {
    private static final Date NOON_15_JUNE_2024 = Date.from(Instant.parse("2024-06-15T12:34:56Z"));
    private static final long START_15_JUNE = Instant.parse("2024-06-15T00:00:00Z").toEpochMilli();
    private static final long START_16_JUNE = Instant.parse("2024-06-16T00:00:00Z").toEpochMilli();

    private static String json(SearchQuery.Criterion criterion) throws UnsupportedSearchException {
        return SearchQueryTranslator.translate(criterion, Set.of()).toJsonString();
    }

    @Test
    void onIsTheWholeUtcDayOfTheDate() throws Exception {
        assertThat(json(SearchQuery.internalDateOn(NOON_15_JUNE_2024, DateResolution.Day)))
            .isEqualTo("{\"range\":{\"internal_date\":{\"gte\":" + START_15_JUNE + ",\"lt\":" + START_16_JUNE + "}}}");
    }

    @Test
    void beforeEndsWhereTheDayStarts() throws Exception {
        assertThat(json(SearchQuery.internalDateBefore(NOON_15_JUNE_2024, DateResolution.Day)))
            .isEqualTo("{\"range\":{\"internal_date\":{\"lt\":" + START_15_JUNE + "}}}");
    }

    @Test
    void afterStartsWhenTheDayIsOver() throws Exception {
        assertThat(json(SearchQuery.internalDateAfter(NOON_15_JUNE_2024, DateResolution.Day)))
            .isEqualTo("{\"range\":{\"internal_date\":{\"gte\":" + START_16_JUNE + "}}}");
    }

    @Test
    void sentDatesReadTheDateHeader() throws Exception {
        assertThat(json(SearchQuery.headerDateBefore("Date", NOON_15_JUNE_2024, DateResolution.Day)))
            .isEqualTo("{\"range\":{\"sent_date\":{\"lt\":" + START_15_JUNE + "}}}");
    }

    @Test
    void datesOfOtherHeadersAreNotSupported() {
        assertThatThrownBy(() -> json(SearchQuery.headerDateOn("Resent-Date", NOON_15_JUNE_2024, DateResolution.Day)))
            .isInstanceOf(UnsupportedSearchException.class);
    }

    @Test
    void subjectIsASubstringWithWildcardCharactersEscaped() throws Exception {
        assertThat(json(SearchQuery.subject("50% *off?")))
            .isEqualTo("{\"wildcard\":{\"subject\":{\"value\":\"*50% \\\\*off\\\\?*\"}}}");
    }

    @Test
    void addressHeadersHaveTheirOwnField() throws Exception {
        assertThat(json(SearchQuery.address(SearchQuery.AddressType.Cc, "dave")))
            .isEqualTo("{\"wildcard\":{\"cc\":{\"value\":\"*dave*\"}}}");
    }

    @Test
    void otherHeadersMatchTheirLowerCaseNameThenTheValue() throws Exception {
        assertThat(json(SearchQuery.headerContains("X-Priority", "High")))
            .isEqualTo("{\"wildcard\":{\"header_lines\":{\"value\":\"x-priority:*High*\"}}}");
        assertThat(json(SearchQuery.headerExists("X-Priority")))
            .isEqualTo("{\"prefix\":{\"header_lines\":{\"value\":\"x-priority:\"}}}");
    }

    @Test
    void bodyLooksAtTextPartsAndTextAttachmentsByWordPrefix() throws Exception {
        assertThat(json(SearchQuery.bodyContains("quarter")))
            .contains("\"match_phrase_prefix\":{\"body_text\":{\"max_expansions\":200,\"query\":\"quarter\"")
            .contains("\"match_phrase_prefix\":{\"attachment_text\":")
            .doesNotContain("headers_text");
    }

    @Test
    void textAlsoLooksAtHeadersAndAttachmentNames() throws Exception {
        assertThat(json(SearchQuery.mailContains("report")))
            .contains("body_text", "attachment_text", "headers_text", "attachment_names.text");
    }

    @Test
    void sizesAreStrictComparisons() throws Exception {
        assertThat(json(SearchQuery.sizeGreaterThan(5000))).isEqualTo("{\"range\":{\"size\":{\"gt\":5000}}}");
        assertThat(json(SearchQuery.sizeLessThan(5000))).isEqualTo("{\"range\":{\"size\":{\"lt\":5000}}}");
    }

    @Test
    void flagsAreBooleanFields() throws Exception {
        assertThat(json(SearchQuery.flagIsSet(Flags.Flag.SEEN))).isEqualTo("{\"term\":{\"is_seen\":{\"value\":true}}}");
        assertThat(json(SearchQuery.flagIsUnSet(Flags.Flag.FLAGGED))).isEqualTo("{\"term\":{\"is_flagged\":{\"value\":false}}}");
    }

    @Test
    void keywordsAreCaseInsensitive() throws Exception {
        assertThat(json(SearchQuery.flagIsSet("Project-X"))).isEqualTo("{\"term\":{\"user_flags\":{\"value\":\"project-x\"}}}");
    }

    @Test
    void recentIsTheSessionsRecentUids() throws Exception {
        String recent = SearchQueryTranslator.translate(SearchQuery.flagIsSet(Flags.Flag.RECENT),
            Set.of(MessageUid.of(7))).toJsonString();
        assertThat(recent).isEqualTo("{\"terms\":{\"uid\":[\"7\"]}}");
    }

    @Test
    void uidRangesAreInclusive() throws Exception {
        assertThat(json(SearchQuery.uid(new SearchQuery.UidRange(MessageUid.of(2), MessageUid.of(3)))))
            .contains("{\"range\":{\"uid\":{\"gte\":2,\"lte\":3}}}");
    }

    @Test
    void conjunctions() throws Exception {
        SearchQuery.Criterion seen = SearchQuery.flagIsSet(Flags.Flag.SEEN);
        SearchQuery.Criterion big = SearchQuery.sizeGreaterThan(10);
        assertThat(json(SearchQuery.or(seen, big))).startsWith("{\"bool\":{\"minimum_should_match\":\"1\",\"should\":[");
        assertThat(json(SearchQuery.and(seen, big))).startsWith("{\"bool\":{\"filter\":[");
        assertThat(json(SearchQuery.not(seen))).startsWith("{\"bool\":{\"must_not\":[");
    }

    @Test
    void everySearchIsRestrictedToTheMailbox() throws Exception {
        String json = SearchQueryTranslator.translate(SearchQuery.of(SearchQuery.all()), List.of("mailbox-1")).toJsonString();
        assertThat(json).contains("{\"terms\":{\"mailbox_id\":[\"mailbox-1\"]}}");
    }

    @Test
    void sortsEndWithTheUidSoThatPagingIsStable() {
        SearchQuery query = SearchQuery.allSortedWith(new SearchQuery.Sort(SearchQuery.Sort.SortClause.Arrival,
            SearchQuery.Sort.Order.REVERSE));
        assertThat(SearchQueryTranslator.sorts(query).stream()
                .map(sort -> sort.field().field() + " " + sort.field().order().jsonValue()).toList())
            .containsExactly("internal_date desc", "uid asc");
    }
}
