package dev.mailserver.search;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

import javax.annotation.PreDestroy;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The one HTTP connection pool to OpenSearch, built from {@link OpenSearchConfiguration}, closed at shutdown. */
public final class OpenSearchConnection implements AutoCloseable {
    private final OpenSearchTransport transport;
    private final OpenSearchClient client;

    public OpenSearchConnection(OpenSearchConfiguration configuration) {
        ApacheHttpClient5TransportBuilder builder = ApacheHttpClient5TransportBuilder
            .builder(configuration.hosts().toArray(HttpHost[]::new))
            .setMapper(new JacksonJsonpMapper(new ObjectMapper()))
            .setRequestConfigCallback(request -> request
                .setResponseTimeout(Timeout.of(configuration.responseTimeout()))
                .setConnectionRequestTimeout(Timeout.of(configuration.connectTimeout())))
            .setConnectionConfigCallback(connection -> connection
                .setConnectTimeout(Timeout.of(configuration.connectTimeout()))
                .setSocketTimeout(Timeout.of(configuration.responseTimeout())))
            .setHttpClientConfigCallback(http -> {
                if (configuration.credentials().isPresent()) {
                    BasicCredentialsProvider credentials = new BasicCredentialsProvider();
                    for (HttpHost host : configuration.hosts()) {
                        credentials.setCredentials(new AuthScope(host),
                            new UsernamePasswordCredentials(configuration.credentials().get().user(),
                                configuration.credentials().get().password().toCharArray()));
                    }
                    http.setDefaultCredentialsProvider(credentials);
                }
                if (configuration.usesTls()) {
                    ClientTlsStrategyBuilder tls = ClientTlsStrategyBuilder.create().setSslContext(sslContext(configuration));
                    if (!configuration.verifyHostname()) {
                        tls.setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
                    }
                    http.setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setTlsStrategy(tls.build())
                        .build());
                }
                return http;
            });
        this.transport = builder.build();
        this.client = new OpenSearchClient(transport);
    }

    public OpenSearchClient client() {
        return client;
    }

    /** True when the cluster answers at all; never throws. */
    public boolean answers() {
        try {
            return client.ping().value();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static SSLContext sslContext(OpenSearchConfiguration configuration) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            if (configuration.trustAllCertificates()) {
                context.init(null, new TrustManager[] {new TrustEverything()}, null);
            } else if (configuration.trustStore().isPresent()) {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                char[] password = configuration.trustStorePassword().map(String::toCharArray).orElse(null);
                try (InputStream in = Files.newInputStream(configuration.trustStore().get())) {
                    store.load(in, password);
                }
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
                context.init(null, trust.getTrustManagers(), null);
            } else {
                // The JVM's default trust store: certificates signed by a public authority.
                context.init(null, null, null);
            }
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read opensearch.tls.truststore", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot set up TLS towards OpenSearch: " + e.getMessage(), e);
        }
    }

    /** opensearch.tls.trustAllCertificates=true: for a test cluster with a self-signed certificate only. */
    private static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @PreDestroy
    @Override
    public void close() {
        try {
            transport.close();
        } catch (IOException e) {
            // shutting down: nothing more to release
        }
    }
}
