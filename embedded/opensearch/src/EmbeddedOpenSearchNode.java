import java.nio.file.Path;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch node for the mail server's search index, in this JVM, until the JVM is told to stop.
 * Arguments: DATA_DIR HTTP_PORT TRANSPORT_PORTS BIND_HOST. Started by ./opensearch-node, never by hand.
 *
 * <p>The node is alone (single-node discovery) and has no security plugin: it must only listen on a
 * loopback or private address. The disk-usage watermarks are off because a developer's disk is often
 * fuller than OpenSearch's 85% default, which would silently make the index read-only.
 */
public final class EmbeddedOpenSearchNode {
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]).toAbsolutePath();
        int httpPort = Integer.parseInt(args[1]);
        String transportPorts = args[2];
        String bindHost = args[3];

        OpenSearchRunner runner = new OpenSearchRunner();
        // Without this the runner silently moves to the next free port when HTTP_PORT is taken.
        runner.setMaxHttpPort(-1);
        runner.onBuild((index, settings) -> settings
            .put("http.port", httpPort)
            .put("transport.port", transportPorts)
            .put("network.host", bindHost)
            .put("discovery.type", "single-node")
            .put("cluster.routing.allocation.disk.threshold_enabled", false));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "stop-opensearch"));
        runner.build(OpenSearchRunner.newConfigs()
            .basePath(dataDir.toString())
            .numOfNode(1)
            .clusterName("mailserver-search")
            .printOnFailure()
            .useLogger());
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }
}
