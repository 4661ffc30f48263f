package dev.mailserver.search;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.apache.commons.configuration2.Configuration;
import org.apache.hc.core5.http.HttpHost;

/**
 * What {@code conf/opensearch.properties} says, read and checked once at start. A bad value stops the
 * server with a message naming the property; defaults suit the embedded single node.
 *
 * <p>{@code OPENSEARCH_HOSTS} in the environment wins over {@code opensearch.hosts}, like
 * {@code CASSANDRA_NODES} for Cassandra, so that ./mailserver and docker-compose can point the same
 * configuration at another node.
 */
public record OpenSearchConfiguration(List<HttpHost> hosts,
                                      String indexName,
                                      int shards,
                                      int replicas,
                                      Optional<Credentials> credentials,
                                      Optional<Path> trustStore,
                                      Optional<String> trustStorePassword,
                                      boolean trustAllCertificates,
                                      boolean verifyHostname,
                                      Duration connectTimeout,
                                      Duration responseTimeout,
                                      Duration redeliveryInterval,
                                      int reindexMessagesPerSecond) {
    public static final String HOSTS_ENVIRONMENT_VARIABLE = "OPENSEARCH_HOSTS";
    static final int DEFAULT_PORT = 9200;

    public record Credentials(String user, String password) {
        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=***]";
        }
    }

    public boolean usesTls() {
        return hosts.get(0).getSchemeName().equals("https");
    }

    public static OpenSearchConfiguration from(Configuration properties, Optional<String> hostsFromEnvironment) {
        String scheme = properties.getString("opensearch.scheme", "http").trim().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw invalid("opensearch.scheme", scheme, "http or https");
        }
        String hostList = hostsFromEnvironment.filter(value -> !value.isBlank())
            .orElseGet(() -> String.join(",", properties.getStringArray("opensearch.hosts")));
        List<HttpHost> hosts = parseHosts(hostList.isBlank() ? "127.0.0.1:" + DEFAULT_PORT : hostList, scheme);

        String indexName = properties.getString("opensearch.index.name", "mailserver-messages").trim();
        if (!indexName.matches("[a-z0-9][a-z0-9_.-]*")) {
            throw invalid("opensearch.index.name", indexName, "lower-case letters, digits, '-', '_' or '.'");
        }
        int shards = positiveInt(properties, "opensearch.index.shards", 1, 1);
        int replicas = positiveInt(properties, "opensearch.index.replicas", 0, 0);

        Optional<String> user = nonBlank(properties.getString("opensearch.user", null));
        Optional<String> password = nonBlank(properties.getString("opensearch.password", null));
        if (user.isPresent() != password.isPresent()) {
            throw new IllegalArgumentException("opensearch.user and opensearch.password go together: set both or neither");
        }
        Optional<Credentials> credentials = user.map(name -> new Credentials(name, password.get()));

        Optional<Path> trustStore = nonBlank(properties.getString("opensearch.tls.truststore", null)).map(Path::of);
        trustStore.ifPresent(path -> {
            if (!Files.isReadable(path)) {
                throw invalid("opensearch.tls.truststore", path.toString(), "a readable PKCS12 or JKS file");
            }
        });
        Optional<String> trustStorePassword = nonBlank(properties.getString("opensearch.tls.truststore.password", null));
        boolean trustAll = properties.getBoolean("opensearch.tls.trustAllCertificates", false);
        boolean verifyHostname = properties.getBoolean("opensearch.tls.verifyHostname", true);

        Duration connectTimeout = Duration.ofMillis(positiveInt(properties, "opensearch.timeout.connect.ms", 3000, 1));
        Duration responseTimeout = Duration.ofMillis(positiveInt(properties, "opensearch.timeout.response.ms", 30000, 1));
        Duration redeliveryInterval = Duration.ofSeconds(positiveInt(properties, "opensearch.redelivery.interval.seconds", 60, 0));
        int reindexRate = positiveInt(properties, "opensearch.reindex.messagesPerSecond", 200, 1);

        return new OpenSearchConfiguration(hosts, indexName, shards, replicas, credentials, trustStore,
            trustStorePassword, trustAll, verifyHostname, connectTimeout, responseTimeout, redeliveryInterval,
            reindexRate);
    }

    private static List<HttpHost> parseHosts(String hostList, String scheme) {
        return Arrays.stream(hostList.split(","))
            .map(String::trim)
            .filter(host -> !host.isEmpty())
            .map(host -> {
                int colon = host.lastIndexOf(':');
                if (colon < 0) {
                    return new HttpHost(scheme, host, DEFAULT_PORT);
                }
                try {
                    int port = Integer.parseInt(host.substring(colon + 1));
                    if (port < 1 || port > 65535) {
                        throw new NumberFormatException();
                    }
                    return new HttpHost(scheme, host.substring(0, colon), port);
                } catch (NumberFormatException e) {
                    throw invalid("opensearch.hosts", host, "host or host:port with a port between 1 and 65535");
                }
            })
            .toList();
    }

    private static int positiveInt(Configuration properties, String key, int defaultValue, int minimum) {
        String value = properties.getString(key, String.valueOf(defaultValue)).trim();
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < minimum) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a whole number of at least " + minimum);
        }
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static IllegalArgumentException invalid(String key, String value, String expected) {
        return new IllegalArgumentException("Invalid " + key + "='" + value + "' in opensearch.properties: expected " + expected);
    }
}
