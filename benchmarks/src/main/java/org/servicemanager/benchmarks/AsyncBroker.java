package org.servicemanager.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OSB broker on the JDK server whose provisions are asynchronous: {@code PUT} answers 202 with an
 * {@code operation}, and {@code last_operation} answers {@code in progress} until the instance's
 * {@code successOnPoll}-th poll, which (and every later one) answers {@code succeeded}. It counts
 * what it receives, and when each instance's first successful poll was answered, so that the
 * benchmark measures polls at the broker's side. One offering with one plan. Thread-safe.
 */
final class AsyncBroker implements AutoCloseable {
    static final String SERVICE_ID = "async-service-id";
    static final String PLAN_ID = "async-plan-id";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final int successOnPoll;
    private final ConcurrentHashMap<String, AtomicInteger> pollsByInstance = new ConcurrentHashMap<>();
    private final AtomicInteger provisions = new AtomicInteger();
    private final AtomicInteger polls = new AtomicInteger();
    private final AtomicInteger pollsAfterSuccess = new AtomicInteger();
    private final AtomicInteger succeededAnswers = new AtomicInteger();
    private final AtomicLong lastSuccessNanos = new AtomicLong();
    private final Queue<CountingDataSource.Traced> events = new ConcurrentLinkedQueue<>();

    AsyncBroker(int successOnPoll) {
        this.successOnPoll = successOnPoll;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v2/catalog", exchange -> MiniBroker.reply(exchange, 200, catalog()));
        server.createContext("/v2/service_instances/", this::instances);
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int provisions() {
        return provisions.get();
    }

    int polls() {
        return polls.get();
    }

    /** Polls of an instance whose success had already been answered. */
    int pollsAfterSuccess() {
        return pollsAfterSuccess.get();
    }

    /** Instances whose {@code succeeded} has been answered at least once. */
    int succeeded() {
        return succeededAnswers.get();
    }

    /** {@link System#nanoTime()} of the latest first {@code succeeded} answer. */
    long lastSuccessNanos() {
        return lastSuccessNanos.get();
    }

    /** What the broker received, with when: {@code >> PUT}, {@code >> poll 2}. */
    List<CountingDataSource.Traced> events() {
        return List.copyOf(events);
    }

    private void instances(HttpExchange exchange) throws IOException {
        String rest = exchange.getRequestURI().getPath().substring("/v2/service_instances/".length());
        exchange.getRequestBody().readAllBytes();
        String method = exchange.getRequestMethod();
        if (method.equals("PUT") && !rest.contains("/")) {
            provisions.incrementAndGet();
            events.add(new CountingDataSource.Traced(System.nanoTime(), ">> broker got PUT (answers 202)", "broker"));
            pollsByInstance.putIfAbsent(rest, new AtomicInteger());
            MiniBroker.reply(exchange, 202, "{\"operation\":\"provision-" + rest + "\"}");
        } else if (method.equals("GET") && rest.endsWith("/last_operation")) {
            String id = rest.substring(0, rest.indexOf('/'));
            polls.incrementAndGet();
            AtomicInteger counter = pollsByInstance.get(id);
            if (counter == null) {
                MiniBroker.reply(exchange, 410, "{}");
                return;
            }
            int n = counter.incrementAndGet();
            events.add(new CountingDataSource.Traced(System.nanoTime(), ">> broker got poll " + n + " (answers "
                    + (n < successOnPoll ? "in progress" : "succeeded") + ")", "broker"));
            if (n < successOnPoll) {
                MiniBroker.reply(exchange, 200, "{\"state\":\"in progress\"}");
                return;
            }
            if (n == successOnPoll) {
                succeededAnswers.incrementAndGet();
                lastSuccessNanos.accumulateAndGet(System.nanoTime(), Math::max);
            } else {
                pollsAfterSuccess.incrementAndGet();
            }
            MiniBroker.reply(exchange, 200, "{\"state\":\"succeeded\"}");
        } else if (method.equals("DELETE") && !rest.contains("/")) {
            MiniBroker.reply(exchange, pollsByInstance.remove(rest) != null ? 200 : 410, "{}");
        } else {
            MiniBroker.reply(exchange, 404, "{\"error\":\"NotFound\"}");
        }
    }

    private static String catalog() {
        return "{\"services\":[{\"id\":\"" + SERVICE_ID + "\",\"name\":\"async-service\",\"description\":\"async\","
                + "\"bindable\":false,\"plans\":[{\"id\":\"" + PLAN_ID + "\",\"name\":\"async-plan\","
                + "\"description\":\"async\",\"free\":true}]}]}";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
