package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;

@DisplayName("A ServiceManagerServlet constructed without a Service Manager")
class ServiceManagerServletInitTest {

    private static ServletContextHandler contextWithNoArgServlet() {
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder("sm", ServiceManagerServlet.class);
        holder.setAsyncSupported(true);
        holder.setInitOrder(1);
        context.addServlet(holder, "/*");
        return context;
    }

    @Test
    @DisplayName("takes the Service Manager from the servlet context attribute")
    void usesTheContextAttribute() throws Exception {
        ServiceManager sm = ServiceManager.builder().store(new MemoryStore()).disableAuthentication().build();
        ServletContextHandler context = contextWithNoArgServlet();
        context.setAttribute(ServiceManagerServlet.CONTEXT_ATTRIBUTE, sm);

        try (JettyServer jetty = JettyServer.start(16, context)) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(jetty.uri("/v1/info")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
        } finally {
            sm.store().close();
        }
    }

    @Test
    @DisplayName("fails init with a message naming the missing context attribute")
    void failsWithoutTheAttribute() {
        ServletContextHandler context = contextWithNoArgServlet();

        assertThatThrownBy(() -> JettyServer.start(16, context).close())
                .hasStackTraceContaining("has no ServiceManager")
                .hasStackTraceContaining(ServiceManagerServlet.CONTEXT_ATTRIBUTE);
    }
}
