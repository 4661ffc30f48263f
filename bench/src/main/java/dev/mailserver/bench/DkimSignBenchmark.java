package dev.mailserver.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.apache.james.core.Domain;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.mailserver.dkim.DkimAlgorithm;
import dev.mailserver.dkim.DkimKey;
import dev.mailserver.dkim.DkimSigner;
import dev.mailserver.dkim.SigningKey;

/**
 * DKIM signatures per second for a 10 KB message: the work {@code DkimSign} does per mail and key
 * (read the message, hash its relaxed body, sign its headers), with RSA-2048 and with Ed25519.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class DkimSignBenchmark {
    static final int MESSAGE_SIZE = 10 * 1024;

    byte[] message;
    SigningKey rsa2048;
    SigningKey ed25519;
    Instant now;

    @Setup
    public void setUp() throws Exception {
        Domain domain = Domain.of("acme.test");
        now = Instant.now();
        rsa2048 = SigningKey.of(DkimKey.generate(domain, "rsa", DkimAlgorithm.RSA, 2048, now));
        ed25519 = SigningKey.of(DkimKey.generate(domain, "ed", DkimAlgorithm.ED25519, 0, now));
        message = tenKilobyteMessage();
    }

    static byte[] tenKilobyteMessage() {
        StringBuilder text = new StringBuilder()
            .append("From: Alice Example <alice@acme.test>\r\n")
            .append("To: Bob <bob@example.com>, carol@example.com\r\n")
            .append("Subject: Quarterly report, with the numbers you asked for\r\n")
            .append("Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n")
            .append("Message-ID: <bench-1@acme.test>\r\n")
            .append("MIME-Version: 1.0\r\n")
            .append("Content-Type: text/plain; charset=UTF-8\r\n")
            .append("Content-Transfer-Encoding: 7bit\r\n")
            .append("\r\n");
        String line = "The quick brown fox jumps over the lazy dog;  numbers: 0123456789.\r\n";
        while (text.length() + line.length() <= MESSAGE_SIZE) {
            text.append(line);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public String rsa2048() throws Exception {
        return DkimSigner.sign(DkimSigner.read(message), rsa2048, now);
    }

    @Benchmark
    public String ed25519() throws Exception {
        return DkimSigner.sign(DkimSigner.read(message), ed25519, now);
    }
}
