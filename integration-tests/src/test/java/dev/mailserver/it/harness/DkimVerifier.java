package dev.mailserver.it.harness;

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
 * Verifies the DKIM signatures of a message as a receiving server would, with dkimpy (Debian's
 * {@code python3-dkim}, run by /usr/bin/python3), the public keys coming from the given DNS TXT records
 * instead of a DNS server. A missing python3-dkim fails the test with the command that installs it.
 */
public final class DkimVerifier {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = """
        import json, sys
        try:
            import dkim
        except ImportError as e:
            sys.stderr.write("python3-dkim is not installed: %s\\n" % e)
            sys.exit(3)
        records = json.loads(sys.argv[1])
        message = sys.stdin.buffer.read()
        def dns(name, timeout=5):
            record = records.get(name.decode().rstrip('.'))
            return record.encode() if record else None
        checker = dkim.DKIM(message)
        results = []
        signatures = [value for (name, value) in checker.headers if name.lower() == b'dkim-signature']
        for index, value in enumerate(signatures):
            tags = dkim.util.parse_tag_value(value)
            error = None
            try:
                valid = checker.verify(idx=index, dnsfunc=dns)
            except Exception as e:
                valid, error = False, repr(e)
            results.append({'d': tags.get(b'd', b'').decode(), 's': tags.get(b's', b'').decode(),
                            'a': tags.get(b'a', b'').decode(), 'valid': bool(valid), 'error': error})
        print(json.dumps(results))
        """;

    /** One DKIM-Signature field as dkimpy judged it. */
    public record Signature(String domain, String selector, String algorithm, boolean valid, String error) {
    }

    private DkimVerifier() {
    }

    /** Every DKIM-Signature field of the message, top to bottom, with dkimpy's verdict. */
    public static List<Signature> verify(byte[] message, Map<String, String> dnsTxtRecords) {
        if (!Files.isExecutable(PYTHON)) {
            throw new AssertionError(PYTHON + " is missing: DKIM signatures are verified with Debian's python3-dkim "
                + "(apt-get install -y python3-dkim)");
        }
        try {
            Path script = Files.createTempFile("verify-dkim", ".py");
            try {
                Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
                Process process = new ProcessBuilder(PYTHON.toString(), script.toString(), JSON.writeValueAsString(dnsTxtRecords))
                    .start();
                process.getOutputStream().write(message);
                process.getOutputStream().close();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("python3-dkim did not answer within 60 s");
                }
                if (process.exitValue() == 3) {
                    throw new AssertionError("python3-dkim is required to verify DKIM signatures: apt-get install -y python3-dkim\n" + err);
                }
                if (process.exitValue() != 0) {
                    throw new AssertionError("python3-dkim failed (exit " + process.exitValue() + "):\n" + err);
                }
                List<Signature> signatures = new ArrayList<>();
                for (JsonNode node : JSON.readTree(out)) {
                    signatures.add(new Signature(node.get("d").asText(), node.get("s").asText(), node.get("a").asText(),
                        node.get("valid").asBoolean(), node.get("error").isNull() ? null : node.get("error").asText()));
                }
                return signatures;
            } finally {
                Files.deleteIfExists(script);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
