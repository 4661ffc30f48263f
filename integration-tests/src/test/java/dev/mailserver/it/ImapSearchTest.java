package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mailserver.it.harness.ImapClient;
import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Smtp;
import dev.mailserver.it.harness.WebAdmin;

/**
 * IMAP SEARCH answered by OpenSearch: each criterion of RFC 3501 on one INBOX of six varied messages
 * (attachments, German in ISO-8859-1, Cyrillic in encoded words and HTML, a large message, a broken
 * MIME structure, one delivered over SMTP), with the results James's in-memory search gives, over a
 * real IMAP connection. Then flag changes and expunges on another mailbox.
 */
class ImapSearchTest {
    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension();

    static final Duration INDEXING = Duration.ofSeconds(60);
    static final String DOMAIN = "search.test";
    static final String ALICE = "alice@" + DOMAIN;
    static final String PASSWORD = "alice-Secret-1";
    static final List<Long> EVERY_MESSAGE = List.of(1L, 2L, 3L, 4L, 5L, 6L);

    static ImapClient imap;

    static final String QUARTERLY_REPORT = """
        From: =?UTF-8?Q?Bob_M=C3=BCller?= <bob@search.test>
        To: Alice <alice@search.test>
        Subject: Quarterly report Q3
        Date: Fri, 1 Mar 2024 09:30:00 +0000
        Message-ID: <m1@search.test>
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="b1"

        --b1
        Content-Type: text/plain; charset=UTF-8

        Please find the quarterly numbers attached.
        --b1
        Content-Type: application/pdf; name="report-q3.pdf"
        Content-Disposition: attachment; filename="report-q3.pdf"
        Content-Transfer-Encoding: base64

        JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK
        --b1--
        """;

    static final String GREETINGS_FROM_MUNICH = """
        From: carol@partner.example
        To: alice@search.test
        Cc: Dave <dave@search.test>
        Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=
        Date: Sat, 15 Jun 2024 14:00:00 +0200
        Message-ID: <m2@partner.example>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=ISO-8859-1
        Content-Transfer-Encoding: quoted-printable

        Die Stra=DFe am Marienplatz ist gesperrt.
        """;

    static final String GREETINGS_FROM_MOSCOW = """
        From: =?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan@example.ru>
        To: alice@search.test
        Bcc: eve@search.test
        Subject: =?UTF-8?B?0J/RgNC40LLQtdGCINC40Lcg0JzQvtGB0LrQstGL?=
        Date: Tue, 10 Sep 2024 08:00:00 +0300
        X-Priority: 1 (Highest)
        Message-ID: <m3@example.ru>
        MIME-Version: 1.0
        Content-Type: text/html; charset=UTF-8
        Content-Transfer-Encoding: base64

        PGh0bWw+PGJvZHk+PHA+0JTQvtCx0YDRi9C5IDxiPtC00LXQvdGMPC9iPiwg0LrQvtC70LvQtdCz0LghPC9wPjwvYm9keT48L2h0bWw+
        """;

    static final String LUNCH = """
        From: bob@search.test
        To: alice@search.test, Frank <frank@search.test>
        Subject: Lunch on Friday?
        Date: Mon, 20 Jan 2025 11:00:00 +0000
        Message-ID: <m4@search.test>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=UTF-8
        Content-Transfer-Encoding: 8bit

        Café at noon, résumé review after.
        """ + "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n".repeat(90);

    /** The closing boundary never comes, a charset nobody knows, base64 that is not. */
    static final String BROKEN_MIME = """
        From: mallory@broken.example
        To: alice@search.test
        Subject: Broken but searchable
        Date: Wed, 5 Feb 2025 10:00:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="never-closed"

        --never-closed
        Content-Type: text/plain; charset=x-unknown-charset

        The zebra crossing is closed.
        --never-closed
        Content-Type: application/octet-stream; name="data.bin"
        Content-Transfer-Encoding: base64

        !!!! not base64 at all @@@@
        """;

    @BeforeAll
    static void fillInbox() {
        server.webAdmin().createDomain(DOMAIN);
        server.webAdmin().createUser(ALICE, PASSWORD);
        imap = ImapClient.login(server.ports().imap(), ALICE, PASSWORD);
        imap.append("INBOX", "(\\Seen)", "01-Mar-2024 10:00:00 +0000", crlf(QUARTERLY_REPORT));
        imap.append("INBOX", "(\\Flagged)", "15-Jun-2024 12:00:00 +0000", crlf(GREETINGS_FROM_MUNICH));
        imap.append("INBOX", "(\\Answered)", "10-Sep-2024 05:00:00 +0000", crlf(GREETINGS_FROM_MOSCOW));
        imap.append("INBOX", "(project-x)", "20-Jan-2025 11:00:00 +0000", crlf(LUNCH));
        imap.append("INBOX", "()", "05-Feb-2025 10:00:00 +0000", crlf(BROKEN_MIME));
        AuthenticatingSMTPClient smtp = Smtp.connect(server.ports().smtp());
        try {
            Smtp.send(smtp, "zoe@elsewhere.example", ALICE, "Delivered over SMTP", "The platypus arrived by SMTP.");
        } finally {
            Smtp.quit(smtp);
        }
        assertThat(awaitCount("INBOX", 6)).isEqualTo(6);
        awaitSearch("ALL", EVERY_MESSAGE);
    }

    @AfterAll
    static void logout() {
        if (imap != null) {
            imap.close();
        }
    }

    static String crlf(String message) {
        return message.replace("\r\n", "\n").replace("\n", "\r\n");
    }

    static int awaitCount(String mailbox, int expected) {
        return await(() -> imap.select(mailbox), count -> count >= expected, "messages in " + mailbox);
    }

    /** Indexing is asynchronous (about a second): SEARCH is asked again until it answers as expected. */
    static List<Long> awaitSearch(String criteria, List<Long> expected) {
        return awaitSearch(imap, criteria, expected);
    }

    static List<Long> awaitSearch(ImapClient client, String criteria, List<Long> expected) {
        return await(() -> client.uidSearch(criteria), expected::equals, "UID SEARCH " + criteria);
    }

    static <T> T await(Supplier<T> probe, java.util.function.Predicate<T> done, String what) {
        Instant deadline = Instant.now().plus(INDEXING);
        T last = null;
        RuntimeException lastError = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                last = probe.get();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                lastError = e;
            }
            sleep(300);
        }
        throw new AssertionError(what + " never gave the expected answer within " + INDEXING.toSeconds()
            + " s; last answer: " + (lastError != null ? lastError : last) + "\n" + server.server().logTail(40));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<Long> search(String criteria) {
        return imap.uidSearch(criteria);
    }

    static List<Long> searchUtf8(String key, String value) {
        return imap.uidSearch(StandardCharsets.UTF_8, key, value, "");
    }

    static List<Long> uids(long... uids) {
        return java.util.Arrays.stream(uids).boxed().toList();
    }

    @Test
    void textMatchesAWordOfTheBody() {
        assertThat(search("TEXT quarterly")).isEqualTo(uids(1));
    }

    @Test
    void textMatchesTheDecodedSubject() {
        assertThat(searchUtf8("TEXT", "München")).isEqualTo(uids(2));
    }

    @Test
    void textMatchesTheTextOfAnHtmlPartInCyrillic() {
        assertThat(searchUtf8("TEXT", "коллеги")).isEqualTo(uids(3));
    }

    @Test
    void textMatchesAnAddressInTheHeaders() {
        assertThat(search("TEXT bob@search.test")).isEqualTo(uids(1, 4));
    }

    @Test
    void textMatchesAMessageDeliveredOverSmtp() {
        assertThat(search("TEXT platypus")).isEqualTo(uids(6));
    }

    @Test
    void textMatchesAWordPrefix() {
        assertThat(search("TEXT marienpl")).isEqualTo(uids(2));
    }

    @Test
    void textFindsNothingForAnUnknownWord() {
        assertThat(search("TEXT xylophone")).isEmpty();
    }

    @Test
    void bodyMatchesAWordOfTheBody() {
        assertThat(search("BODY quarterly")).isEqualTo(uids(1));
    }

    @Test
    void bodyDoesNotLookAtHeaders() {
        assertThat(search("BODY Lunch")).isEmpty();
    }

    @Test
    void bodyMatchesGermanTextDecodedFromIso88591() {
        assertThat(searchUtf8("BODY", "Straße")).isEqualTo(uids(2));
    }

    @Test
    void bodyMatchesWithoutAccents() {
        assertThat(search("BODY strasse")).isEqualTo(uids(2));
        assertThat(search("BODY cafe")).isEqualTo(uids(4));
    }

    @Test
    void bodyMatchesWithAccents() {
        assertThat(searchUtf8("BODY", "résumé")).isEqualTo(uids(4));
    }

    @Test
    void subjectMatchesASubstringWhateverTheCase() {
        assertThat(search("SUBJECT REPORT")).isEqualTo(uids(1));
        assertThat(search("SUBJECT \"unch on Fri\"")).isEqualTo(uids(4));
    }

    @Test
    void subjectMatchesDecodedGerman() {
        assertThat(searchUtf8("SUBJECT", "grüße aus")).isEqualTo(uids(2));
    }

    @Test
    void subjectMatchesDecodedCyrillicWhateverTheCase() {
        assertThat(searchUtf8("SUBJECT", "МОСКВЫ")).isEqualTo(uids(3));
    }

    @Test
    void fromMatchesAddressDisplayNameAndDomain() {
        assertThat(search("FROM bob")).isEqualTo(uids(1, 4));
        assertThat(searchUtf8("FROM", "müller")).isEqualTo(uids(1));
        assertThat(searchUtf8("FROM", "Иван")).isEqualTo(uids(3));
        assertThat(search("FROM partner.example")).isEqualTo(uids(2));
    }

    @Test
    void toMatchesEveryRecipient() {
        assertThat(search("TO frank")).isEqualTo(uids(4));
        assertThat(search("TO alice@search.test")).isEqualTo(EVERY_MESSAGE);
    }

    @Test
    void ccAndBcc() {
        assertThat(search("CC dave")).isEqualTo(uids(2));
        assertThat(search("BCC eve@search.test")).isEqualTo(uids(3));
        assertThat(search("CC eve")).isEmpty();
    }

    @Test
    void anyHeaderByNameAndValue() {
        assertThat(search("HEADER X-Priority Highest")).isEqualTo(uids(3));
        assertThat(search("HEADER Message-ID m2@partner")).isEqualTo(uids(2));
    }

    @Test
    void headerWithAnEmptyValueMeansThatItExists() {
        assertThat(search("HEADER X-Priority \"\"")).isEqualTo(uids(3));
    }

    @Test
    void internalDateSinceBeforeOn() {
        assertThat(search("SINCE 1-Jun-2024")).isEqualTo(uids(2, 3, 4, 5, 6));
        assertThat(search("BEFORE 1-Jun-2024")).isEqualTo(uids(1));
        assertThat(search("ON 15-Jun-2024")).isEqualTo(uids(2));
    }

    @Test
    void sentDateFromTheDateHeaderInUtc() {
        assertThat(search("SENTSINCE 1-Jan-2025")).isEqualTo(uids(4, 5, 6));
        assertThat(search("SENTBEFORE 1-Jul-2024")).isEqualTo(uids(1, 2));
        assertThat(search("SENTON 10-Sep-2024")).isEqualTo(uids(3));
    }

    @Test
    void largerAndSmaller() {
        assertThat(search("LARGER 5000")).isEqualTo(uids(4));
        assertThat(search("SMALLER 5000")).isEqualTo(uids(1, 2, 3, 5, 6));
    }

    @Test
    void systemFlags() {
        assertThat(search("SEEN")).isEqualTo(uids(1));
        assertThat(search("UNSEEN")).isEqualTo(uids(2, 3, 4, 5, 6));
        assertThat(search("FLAGGED")).isEqualTo(uids(2));
        assertThat(search("ANSWERED")).isEqualTo(uids(3));
        assertThat(search("DRAFT")).isEmpty();
        assertThat(search("UNDELETED")).isEqualTo(EVERY_MESSAGE);
    }

    @Test
    void keywords() {
        assertThat(search("KEYWORD project-x")).isEqualTo(uids(4));
        assertThat(search("UNKEYWORD project-x")).isEqualTo(uids(1, 2, 3, 5, 6));
    }

    @Test
    void uidRangesAndSequenceSets() {
        assertThat(search("UID 2:3")).isEqualTo(uids(2, 3));
        assertThat(search("UID 5:*")).isEqualTo(uids(5, 6));
        assertThat(search("1,4")).isEqualTo(uids(1, 4));
    }

    @Test
    void criteriaSideBySideAreAnded() {
        assertThat(search("FROM bob SUBJECT lunch")).isEqualTo(uids(4));
    }

    @Test
    void or() {
        assertThat(imap.uidSearch(StandardCharsets.UTF_8, "OR FROM bob SUBJECT", "münchen", "")).isEqualTo(uids(1, 2, 4));
    }

    @Test
    void not() {
        assertThat(search("NOT FROM bob")).isEqualTo(uids(2, 3, 5, 6));
        assertThat(search("NOT OR SEEN FLAGGED")).isEqualTo(uids(3, 4, 5, 6));
    }

    @Test
    void parenthesisedGroups() {
        assertThat(search("(OR SEEN ANSWERED) (OR SUBJECT report TEXT quarterly)"))
            .isEqualTo(uids(1));
    }

    @Test
    void searchStringInIso88591() {
        assertThat(imap.uidSearch(StandardCharsets.ISO_8859_1, "SUBJECT", "grüße", "")).isEqualTo(uids(2));
    }

    @Test
    void brokenMimeIsIndexedByWhatCanBeRead() {
        assertThat(search("SUBJECT broken")).isEqualTo(uids(5));
        assertThat(search("TEXT zebra")).isEqualTo(uids(5));
    }

    @Test
    void brokenMimeDoesNotKeepTheMessagesAfterItFromBeingIndexed() {
        assertThat(search("TEXT platypus")).isEqualTo(uids(6));
    }

    @Test
    void anAdminRebuildsTheWholeIndexWithAWebAdminTaskAndSeesItsProgress() {
        WebAdmin.Response started = server.webAdmin().post("/mailboxes?task=reIndex&messagesPerSecond=500");
        assertThat(started.status()).as("POST /mailboxes?task=reIndex answered %s", started).isEqualTo(201);
        String taskId = started.json().path("taskId").asText();

        WebAdmin.Response task = server.webAdmin().get("/tasks/" + taskId + "/await");

        assertThat(task.json().path("status").asText()).as("task %s", task).isEqualTo("completed");
        assertThat(task.json().path("type").asText()).isEqualTo("full-reindexing");
        assertThat(task.json().path("additionalInformation").path("successfullyReprocessedMailCount").asInt())
            .isGreaterThanOrEqualTo(EVERY_MESSAGE.size());
        assertThat(task.json().path("additionalInformation").path("failedReprocessedMailCount").asInt()).isZero();
        awaitSearch("ALL", EVERY_MESSAGE);
        assertThat(search("TEXT quarterly")).isEqualTo(uids(1));
    }

    @Test
    void flagChangesAndExpungesAreReflected() {
        // Its own connection and mailbox: the other tests keep INBOX as it is.
        try (ImapClient scratch = ImapClient.login(server.ports().imap(), ALICE, PASSWORD)) {
            scratch.create("Scratch");
            for (String name : List.of("one", "two", "three")) {
                scratch.append("Scratch", "()", "01-Oct-2025 10:00:00 +0000",
                    crlf(Smtp.message("bob@search.test", ALICE, "scratch " + name, "scratch body " + name)));
            }
            scratch.select("Scratch");
            awaitSearch(scratch, "TEXT scratch", uids(1, 2, 3));

            scratch.uidStore(2, "+FLAGS (\\Flagged $Later)");
            awaitSearch(scratch, "FLAGGED", uids(2));
            awaitSearch(scratch, "KEYWORD $Later", uids(2));
            scratch.uidStore(2, "-FLAGS (\\Flagged)");
            awaitSearch(scratch, "FLAGGED", uids());
            awaitSearch(scratch, "KEYWORD $Later", uids(2));

            scratch.uidStore(3, "+FLAGS (\\Deleted)");
            awaitSearch(scratch, "DELETED", uids(3));
            scratch.expunge();
            awaitSearch(scratch, "TEXT scratch", uids(1, 2));
            awaitSearch(scratch, "ALL", uids(1, 2));
        }
    }
}
