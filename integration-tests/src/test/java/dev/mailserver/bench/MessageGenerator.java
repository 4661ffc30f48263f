package dev.mailserver.bench;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.Random;

/**
 * Realistic-looking mail, the same for the same number: senders from a few hundred people, subjects and
 * bodies from a vocabulary used with a Zipf-like skew (a few words everywhere, most words rare), dates
 * spread over three years, one in ten in HTML, one in eight with an attachment, one in three read.
 */
final class MessageGenerator {
    record Generated(String flags, String internalDate, String text) {
    }

    private static final String[] WORDS = vocabulary();
    private static final String[] FIRST = {"Anna", "Bob", "Carol", "Dmitri", "Elena", "Farid", "Grete", "Hiro",
        "Ines", "Jonas", "Katja", "Lars", "Maria", "Nils", "Olga", "Pierre", "Quinn", "Rosa", "Sven", "Tanja"};
    private static final String[] LAST = {"Müller", "Schmidt", "Dubois", "Ivanova", "Rossi", "Smith", "Nakamura",
        "García", "Nowak", "Jensen", "Petrov", "Martin", "Weber", "Kowalski", "Lindqvist"};
    private static final String[] DOMAINS = {"acme.test", "partner.example", "supplier.example", "customer.example",
        "lists.example.org"};
    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);
    private static final DateTimeFormatter IMAP = DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH);

    private MessageGenerator() {
    }

    static Generated message(int n) {
        Random random = new Random(n * 7919L + 17);
        String first = FIRST[random.nextInt(FIRST.length)];
        String last = LAST[random.nextInt(LAST.length)];
        String from = first + " " + last + " <" + first.toLowerCase(Locale.ROOT) + "." + ascii(last) + "@"
            + DOMAINS[random.nextInt(DOMAINS.length)] + ">";
        String subject = (random.nextInt(4) == 0 ? "Re: " : "") + capitalise(words(random, 3 + random.nextInt(6)));
        var date = LocalDateTime.of(2023, 1, 1, 8, 0).plusMinutes(random.nextInt(3 * 365 * 24 * 60)).atOffset(ZoneOffset.UTC);
        StringBuilder body = new StringBuilder();
        int paragraphs = 1 + random.nextInt(5);
        for (int p = 0; p < paragraphs; p++) {
            body.append(capitalise(words(random, 20 + random.nextInt(80)))).append(".\r\n\r\n");
        }
        body.append("-- \r\n").append(first).append(' ').append(last).append("\r\n");

        StringBuilder text = new StringBuilder()
            .append("From: ").append(from).append("\r\n")
            .append("To: Bench User <bench@bench.test>\r\n")
            .append(random.nextInt(5) == 0 ? "Cc: team@acme.test\r\n" : "")
            .append("Subject: ").append(subject).append("\r\n")
            .append("Date: ").append(RFC_5322.format(date)).append("\r\n")
            .append("Message-ID: <bench-").append(n).append("@bench.test>\r\n")
            .append("MIME-Version: 1.0\r\n");
        boolean html = random.nextInt(10) == 0;
        boolean attachment = random.nextInt(8) == 0;
        String part = html
            ? "Content-Type: text/html; charset=UTF-8\r\n\r\n<html><body><p>"
                + body.toString().replace("\r\n\r\n", "</p><p>") + "</p></body></html>\r\n"
            : "Content-Type: text/plain; charset=UTF-8\r\n\r\n" + body;
        if (attachment) {
            byte[] data = new byte[2_000 + random.nextInt(30_000)];
            random.nextBytes(data);
            text.append("Content-Type: multipart/mixed; boundary=\"part-").append(n).append("\"\r\n\r\n")
                .append("--part-").append(n).append("\r\n").append(part)
                .append("--part-").append(n).append("\r\n")
                .append("Content-Type: application/pdf; name=\"").append(WORDS[random.nextInt(WORDS.length)]).append(".pdf\"\r\n")
                .append("Content-Disposition: attachment\r\n")
                .append("Content-Transfer-Encoding: base64\r\n\r\n")
                .append(Base64.getMimeEncoder().encodeToString(data)).append("\r\n")
                .append("--part-").append(n).append("--\r\n");
        } else {
            text.append(part);
        }
        String flags = random.nextInt(3) == 0 ? "(\\Seen)" : "()";
        return new Generated(flags, IMAP.format(date), text.toString());
    }

    /** A word as people search for it: mostly words of middling frequency, sometimes a common or rare one. */
    static String searchWord(Random random) {
        return WORDS[(int) (WORDS.length * Math.pow(random.nextDouble(), 1.5))];
    }

    private static String words(Random random, int count) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                out.append(' ');
            }
            // Zipf-like: the square of a uniform draw favours the start of the list.
            out.append(WORDS[(int) (WORDS.length * Math.pow(random.nextDouble(), 2.5))]);
        }
        return out.toString();
    }

    private static String capitalise(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    private static String ascii(String name) {
        return name.toLowerCase(Locale.ROOT).replace("ü", "ue").replace("í", "i").replace("ç", "c");
    }

    /** About 3,000 words: common English words plus generated product and project names. */
    private static String[] vocabulary() {
        String common = "the of and to in is you that it he was for on are as with his they at be this have from or "
            + "one had by word but not what all were we when your can said there use an each which she do how their "
            + "if will up other about out many then them these so some her would make like him into time has look "
            + "two more write go see number no way could people my than first water been call who oil its now find "
            + "long down day did get come made may part meeting report budget invoice contract project deadline "
            + "review draft schedule customer supplier order delivery shipment payment quarter forecast revenue "
            + "hiring team offsite agenda minutes proposal feedback release server outage incident ticket update "
            + "question answer approval travel expense lunch dinner holiday vacation training workshop strategy "
            + "roadmap backlog sprint planning design prototype launch marketing campaign newsletter webinar";
        String[] base = common.split(" ");
        String[] syllables = {"ka", "lo", "mi", "ter", "von", "dra", "ix", "sol", "ben", "qua", "zor", "pel", "nu", "rik"};
        String[] words = new String[3000];
        System.arraycopy(base, 0, words, 0, base.length);
        Random random = new Random(1);
        for (int i = base.length; i < words.length; i++) {
            words[i] = syllables[random.nextInt(syllables.length)] + syllables[random.nextInt(syllables.length)]
                + syllables[random.nextInt(syllables.length)];
        }
        return words;
    }
}
