package dev.mailserver.search;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.mail.Flags;

import org.apache.james.mailbox.MessageUid;
import org.apache.james.mailbox.exception.UnsupportedSearchException;
import org.apache.james.mailbox.model.SearchQuery;
import org.apache.james.mailbox.model.SearchQuery.Criterion;
import org.apache.james.mailbox.model.SearchQuery.DateResolution;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.SortOptions;
import org.opensearch.client.opensearch._types.SortOrder;
import org.opensearch.client.opensearch._types.query_dsl.BoolQuery;
import org.opensearch.client.opensearch._types.query_dsl.Query;

/**
 * Turns James's {@link SearchQuery} (what IMAP SEARCH and SORT become) into an OpenSearch query on the
 * fields of {@code mailbox-index.json}, following the meaning James's in-memory search
 * ({@code MessageSearches}) gives each criterion:
 * <ul>
 * <li>SUBJECT, FROM, TO, CC, BCC and HEADER match a case-insensitive substring of the header value
 *     (wildcard on a lower-cased keyword), decoded or as written;</li>
 * <li>TEXT and BODY match words and word prefixes, accents optional ("muller" finds "Müller"), not
 *     arbitrary substrings inside a word: "port" does not find "report". This is the one deliberate
 *     difference from the in-memory search, which scans every byte of every message;</li>
 * <li>dates compare at the criterion's resolution in UTC (IMAP's day), like the in-memory search.</li>
 * </ul>
 */
public final class SearchQueryTranslator {
    /** How many indexed words a word prefix may expand to in TEXT/BODY. */
    static final int PREFIX_EXPANSIONS = 200;

    private SearchQueryTranslator() {
    }

    /** All criteria of the query, AND-ed, restricted to the given mailboxes. */
    public static Query translate(SearchQuery query, List<String> mailboxIds) throws UnsupportedSearchException {
        BoolQuery.Builder bool = new BoolQuery.Builder();
        bool.filter(terms("mailbox_id", mailboxIds));
        for (Criterion criterion : query.getCriteria()) {
            bool.filter(translate(criterion, query.getRecentMessageUids()));
        }
        return bool.build().toQuery();
    }

    static Query translate(Criterion criterion, Set<MessageUid> recentUids) throws UnsupportedSearchException {
        if (criterion instanceof SearchQuery.AllCriterion) {
            return Query.of(q -> q.matchAll(m -> m));
        } else if (criterion instanceof SearchQuery.ConjunctionCriterion conjunction) {
            return conjunction(conjunction, recentUids);
        } else if (criterion instanceof SearchQuery.TextCriterion text) {
            return text(text);
        } else if (criterion instanceof SearchQuery.SubjectCriterion subject) {
            return contains("subject", subject.getSubject());
        } else if (criterion instanceof SearchQuery.HeaderCriterion header) {
            return header(header);
        } else if (criterion instanceof SearchQuery.MimeMessageIDCriterion messageId) {
            return header(messageId.asHeaderCriterion());
        } else if (criterion instanceof SearchQuery.InternalDateCriterion date) {
            return date("internal_date", date.getOperator());
        } else if (criterion instanceof SearchQuery.SaveDateCriterion date) {
            return date("save_date", date.getOperator());
        } else if (criterion instanceof SearchQuery.SizeCriterion size) {
            return numeric("size", size.getOperator());
        } else if (criterion instanceof SearchQuery.ModSeqCriterion modSeq) {
            return numeric("mod_seq", modSeq.getOperator());
        } else if (criterion instanceof SearchQuery.UidCriterion uid) {
            return uids(uid.getOperator().getRange());
        } else if (criterion instanceof SearchQuery.FlagCriterion flag) {
            return flag(flag, recentUids);
        } else if (criterion instanceof SearchQuery.CustomFlagCriterion flag) {
            Query has = term("user_flags", flag.getFlag().toLowerCase(Locale.ROOT));
            return flag.getOperator().isSet() ? has : not(has);
        } else if (criterion instanceof SearchQuery.AttachmentCriterion attachment) {
            return Query.of(q -> q.term(t -> t.field("has_attachment").value(FieldValue.of(attachment.getOperator().isSet()))));
        } else if (criterion instanceof SearchQuery.MessageIdCriterion messageId) {
            return term("message_id", messageId.getMessageId().serialize());
        } else if (criterion instanceof SearchQuery.ThreadIdCriterion threadId) {
            return term("thread_id", threadId.getThreadId().serialize());
        }
        throw new UnsupportedSearchException();
    }

    private static Query conjunction(SearchQuery.ConjunctionCriterion conjunction, Set<MessageUid> recentUids)
            throws UnsupportedSearchException {
        List<Query> parts = new ArrayList<>();
        for (Criterion part : conjunction.getCriteria()) {
            parts.add(translate(part, recentUids));
        }
        return switch (conjunction.getType()) {
            case AND -> Query.of(q -> q.bool(b -> b.filter(parts)));
            case OR -> Query.of(q -> q.bool(b -> b.should(parts).minimumShouldMatch("1")));
            case NOR -> Query.of(q -> q.bool(b -> b.mustNot(parts)));
        };
    }

    private static Query text(SearchQuery.TextCriterion text) throws UnsupportedSearchException {
        String value = text.getOperator().getValue();
        return switch (text.getType()) {
            case BODY -> anyOf(words("body_text", value), words("attachment_text", value));
            case FULL -> anyOf(words("body_text", value), words("attachment_text", value),
                words("headers_text", value), words("attachment_names.text", value));
            case ATTACHMENTS -> words("attachment_text", value);
            case ATTACHMENT_FILE_NAME -> term("attachment_names", value);
        };
    }

    private static Query header(SearchQuery.HeaderCriterion header) throws UnsupportedSearchException {
        String name = header.getHeaderName().toLowerCase(Locale.ROOT);
        SearchQuery.HeaderOperator operator = header.getOperator();
        if (operator instanceof SearchQuery.ExistsOperator) {
            return Query.of(q -> q.prefix(p -> p.field("header_lines").value(name + ":")));
        } else if (operator instanceof SearchQuery.AddressOperator address) {
            return addressField(name)
                ? contains(name, address.getAddress())
                : headerContains(name, address.getAddress());
        } else if (operator instanceof SearchQuery.ContainsOperator contains) {
            return name.equals("subject") || addressField(name)
                ? contains(name, contains.getValue())
                : headerContains(name, contains.getValue());
        } else if (operator instanceof SearchQuery.DateOperator date && name.equals("date")) {
            return date("sent_date", date);
        }
        throw new UnsupportedSearchException();
    }

    private static boolean addressField(String headerName) {
        return Set.of("from", "to", "cc", "bcc").contains(headerName);
    }

    /** A case-insensitive substring of one of the field's values; the keyword normalizer lower-cases both sides. */
    static Query contains(String field, String value) {
        return Query.of(q -> q.wildcard(w -> w.field(field).value("*" + escapeWildcard(value) + "*")));
    }

    private static Query headerContains(String lowerCaseName, String value) {
        return Query.of(q -> q.wildcard(w -> w.field("header_lines")
            .value(escapeWildcard(lowerCaseName) + ":*" + escapeWildcard(value) + "*")));
    }

    static String escapeWildcard(String value) {
        StringBuilder escaped = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '*' || c == '?' || c == '\\') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    /** The words of the value in this order, the last one possibly cut short. */
    private static Query words(String field, String value) {
        return Query.of(q -> q.matchPhrasePrefix(m -> m.field(field).query(value).maxExpansions(PREFIX_EXPANSIONS)));
    }

    private static Query date(String field, SearchQuery.DateOperator operator) {
        Instant start = truncate(operator.getDate(), operator.getDateResultion());
        Instant end = next(start, operator.getDateResultion());
        return switch (operator.getType()) {
            case ON -> range(field, start.toEpochMilli(), end.toEpochMilli());
            case BEFORE -> Query.of(q -> q.range(r -> r.field(field).lt(JsonData.of(start.toEpochMilli()))));
            case AFTER -> Query.of(q -> q.range(r -> r.field(field).gte(JsonData.of(end.toEpochMilli()))));
        };
    }

    private static Query range(String field, long fromInclusive, long toExclusive) {
        return Query.of(q -> q.range(r -> r.field(field).gte(JsonData.of(fromInclusive)).lt(JsonData.of(toExclusive))));
    }

    static Instant truncate(Date date, DateResolution resolution) {
        ZonedDateTime utc = date.toInstant().atZone(ZoneOffset.UTC);
        ZonedDateTime truncated = switch (resolution) {
            case Second -> utc.truncatedTo(ChronoUnit.SECONDS);
            case Minute -> utc.truncatedTo(ChronoUnit.MINUTES);
            case Hour -> utc.truncatedTo(ChronoUnit.HOURS);
            case Day -> utc.truncatedTo(ChronoUnit.DAYS);
            case Month -> utc.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
            case Year -> utc.truncatedTo(ChronoUnit.DAYS).withDayOfYear(1);
        };
        return truncated.toInstant();
    }

    private static Instant next(Instant start, DateResolution resolution) {
        ZonedDateTime utc = start.atZone(ZoneOffset.UTC);
        ZonedDateTime next = switch (resolution) {
            case Second -> utc.plusSeconds(1);
            case Minute -> utc.plusMinutes(1);
            case Hour -> utc.plusHours(1);
            case Day -> utc.plusDays(1);
            case Month -> utc.plusMonths(1);
            case Year -> utc.plusYears(1);
        };
        return next.toInstant();
    }

    private static Query numeric(String field, SearchQuery.NumericOperator operator) {
        long value = operator.getValue();
        return switch (operator.getType()) {
            case EQUALS -> Query.of(q -> q.term(t -> t.field(field).value(FieldValue.of(value))));
            case LESS_THAN -> Query.of(q -> q.range(r -> r.field(field).lt(JsonData.of(value))));
            case GREATER_THAN -> Query.of(q -> q.range(r -> r.field(field).gt(JsonData.of(value))));
        };
    }

    private static Query uids(SearchQuery.UidRange[] ranges) {
        List<Query> any = new ArrayList<>();
        for (SearchQuery.UidRange range : ranges) {
            long low = range.getLowValue().asLong();
            long high = range.getHighValue().asLong();
            any.add(Query.of(q -> q.range(r -> r.field("uid").gte(JsonData.of(low)).lte(JsonData.of(high)))));
        }
        return anyOf(any.toArray(Query[]::new));
    }

    private static Query flag(SearchQuery.FlagCriterion criterion, Set<MessageUid> recentUids) {
        boolean isSet = criterion.getOperator().isSet();
        Flags.Flag flag = criterion.getFlag();
        if (flag == Flags.Flag.RECENT) {
            // \Recent is not stored: the session knows which UIDs are recent to it.
            Query recent = terms("uid", recentUids.stream().map(uid -> String.valueOf(uid.asLong())).toList());
            return isSet ? recent : not(recent);
        }
        String field;
        if (flag == Flags.Flag.ANSWERED) {
            field = "is_answered";
        } else if (flag == Flags.Flag.DELETED) {
            field = "is_deleted";
        } else if (flag == Flags.Flag.DRAFT) {
            field = "is_draft";
        } else if (flag == Flags.Flag.FLAGGED) {
            field = "is_flagged";
        } else if (flag == Flags.Flag.SEEN) {
            field = "is_seen";
        } else {
            // \User and unknown system flags: never set on a message, as in the in-memory search.
            return isSet ? Query.of(q -> q.matchNone(m -> m)) : Query.of(q -> q.matchAll(m -> m));
        }
        return Query.of(q -> q.term(t -> t.field(field).value(FieldValue.of(isSet))));
    }

    private static Query term(String field, String value) {
        return Query.of(q -> q.term(t -> t.field(field).value(FieldValue.of(value))));
    }

    private static Query terms(String field, List<String> values) {
        List<FieldValue> fieldValues = values.stream().map(FieldValue::of).toList();
        return Query.of(q -> q.terms(t -> t.field(field).terms(v -> v.value(fieldValues))));
    }

    private static Query not(Query query) {
        return Query.of(q -> q.bool(b -> b.mustNot(query)));
    }

    private static Query anyOf(Query... queries) {
        return Query.of(q -> q.bool(b -> b.should(List.of(queries)).minimumShouldMatch("1")));
    }

    /**
     * The query's sort, then UID: the last key makes the order total, which paging with search_after
     * needs. Sorts on address and subject fall back to UID order (documented in conf/opensearch.properties).
     */
    public static List<SortOptions> sorts(SearchQuery query) {
        List<SortOptions> sorts = new ArrayList<>();
        for (SearchQuery.Sort sort : query.getSorts()) {
            SortOrder order = sort.isReverse() ? SortOrder.Desc : SortOrder.Asc;
            String field = switch (sort.getSortClause()) {
                case Arrival -> "internal_date";
                case Size -> "size";
                case SentDate -> "sent_date";
                case Uid -> "uid";
                default -> null;
            };
            if (field != null) {
                sorts.add(SortOptions.of(s -> s.field(f -> f.field(field).order(order))));
            }
        }
        sorts.add(SortOptions.of(s -> s.field(f -> f.field("uid").order(SortOrder.Asc))));
        return sorts;
    }
}
