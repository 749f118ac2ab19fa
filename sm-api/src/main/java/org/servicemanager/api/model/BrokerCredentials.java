package org.servicemanager.api.model;

/**
 * How the Service Manager authenticates to a service broker: HTTP Basic, a bearer token, a TLS
 * client certificate, or Basic/token together with a certificate. Absent parts are {@code null}.
 * The values are secrets: {@link #toString()} never shows them.
 */
public record BrokerCredentials(
        String basicUsername,
        String basicPassword,
        String token,
        String tlsClientCertificate,
        String tlsClientKey) {

    public boolean hasBasic() {
        return basicUsername != null;
    }

    public boolean hasToken() {
        return token != null;
    }

    public boolean hasTls() {
        return tlsClientCertificate != null;
    }

    @Override
    public String toString() {
        return "BrokerCredentials[basic=" + hasBasic() + ", token=" + hasToken() + ", tls=" + hasTls() + "]";
    }
}
