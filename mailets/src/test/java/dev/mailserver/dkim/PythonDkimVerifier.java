package dev.mailserver.dkim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Verifies DKIM signatures with an implementation that is not ours: dkimpy, Debian's
 * {@code python3-dkim}, run by the system Python. The public keys come from the DNS records WebAdmin
 * hands out, passed as a name-to-TXT map instead of a DNS server. A missing python3-dkim fails the test.
 * Shared with the end-to-end tests through this module's test jar.
 */
public final class PythonDkimVerifier {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = """
        import json, logging, sys
        try:
            import dkim
        except ImportError as e:
            sys.stderr.write("python3-dkim is not installed: %s\\n" % e)
            sys.exit(3)
        records = json.loads(sys.argv[1])
        message = sys.stdin.buffer.read()
        logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
        def dns(name, timeout=5):
            record = records.get(name.decode().rstrip('.'))
            return record.encode() if record else None
        results = []
        checker = dkim.DKIM(message, logger=logging.getLogger("dkim"))
        signatures = [value for (name, value) in checker.headers if name.lower() == b'dkim-signature']
        for index, value in enumerate(signatures):
            tags = dkim.util.parse_tag_value(value)
            error = None
            try:
                valid = checker.verify(idx=index, dnsfunc=dns)
            except Exception as e:
                valid, error = False, repr(e)
            results.append({'d': tags.get(b'd', b'').decode(), 's': tags.get(b's', b'').decode(),
                            'a': tags.get(b'a', b'').decode(), 'h': tags.get(b'h', b'').decode(),
                            'l': tags.get(b'l', b'').decode(), 'valid': bool(valid), 'error': error})
        print(json.dumps(results))
        """;

    /** One DKIM-Signature field of the message, as dkimpy judged it. */
    public record Result(String domain, String selector, String algorithm, String signedHeaders, String length,
                  boolean valid, String error, String log) {
    }

    private PythonDkimVerifier() {
    }

    /** Verifies every DKIM-Signature field of the message, top to bottom. */
    public static List<Result> verify(byte[] message, Map<String, String> dnsRecords) {
        if (!Files.isExecutable(PYTHON)) {
            throw new AssertionError(PYTHON + " is missing: DKIM signatures are verified with Debian's python3-dkim "
                + "(apt-get install -y python3-dkim)");
        }
        try {
            Path script = Files.createTempFile("verify-dkim", ".py");
            Path stderr = Files.createTempFile("verify-dkim", ".log");
            try {
                Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
                Process process = new ProcessBuilder(PYTHON.toString(), script.toString(), JSON.writeValueAsString(dnsRecords))
                    .redirectError(stderr.toFile())
                    .start();
                process.getOutputStream().write(message);
                process.getOutputStream().close();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("python3-dkim did not answer within 60 s");
                }
                String log = Files.readString(stderr, StandardCharsets.UTF_8);
                if (process.exitValue() == 3) {
                    throw new AssertionError("python3-dkim is required to verify DKIM signatures in tests: "
                        + "apt-get install -y python3-dkim\n" + log);
                }
                if (process.exitValue() != 0) {
                    throw new AssertionError("python3-dkim failed (exit " + process.exitValue() + "):\n" + log);
                }
                List<Result> results = new ArrayList<>();
                for (JsonNode node : JSON.readTree(out)) {
                    results.add(new Result(node.get("d").asText(), node.get("s").asText(), node.get("a").asText(),
                        node.get("h").asText(), node.get("l").asText(), node.get("valid").asBoolean(),
                        node.get("error").isNull() ? null : node.get("error").asText(), log));
                }
                return results;
            } finally {
                Files.deleteIfExists(script);
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
