package dev.jllm.tools;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.Pooling;
import dev.jllm.tools.server.OpenAiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jllm serve}: an OpenAI-compatible HTTP server for one model. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "Serve a model over HTTP: the OpenAI API, and Anthropic's and Ollama's chat APIs.",
        description = {"OpenAI: POST /v1/chat/completions, POST /v1/completions (stream: true for server-sent events),",
                "POST /v1/embeddings, GET /v1/models. Anthropic: POST /v1/messages. Ollama: /api/chat, /api/generate,",
                "/api/embed, /api/tags and kin. GET /health. The sampling options are defaults that requests override."})
final class ServeCommand implements Callable<Integer> {
    @Mixin ModelArgs modelArgs;
    @Mixin SamplingArgs sampling;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2",
            description = "Requests generating at the same time, each with its own KV cache (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64",
            description = "Requests that may wait for a free slot; more are refused with 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--alias", paramLabel = "NAME", description = "Model id reported by the API (default: the file name without .gguf).")
    String alias;

    @Option(names = "--pooling", paramLabel = "mean|cls|last", converter = PoolingConverter.class,
            description = "How /v1/embeddings pools a text's token states (default: what the model file declares; "
                    + "a chat model declares none, so embeddings need this).")
    Pooling pooling;

    @Option(names = "--quiet", description = "Do not log one line per request on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (parallel < 1) throw new CliException("--parallel must be at least 1, got " + parallel);
        if (queue < 0) throw new CliException("--queue must be at least 0, got " + queue);
        if (port < 0 || port > 65535) throw new CliException("--port must be between 0 and 65535, got " + port);
        GenerationParams defaults = sampling.toParams().build();
        try (Model model = modelArgs.load()) {
            String id = alias != null ? alias : model.info().path().getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
            OpenAiServer.Config config = new OpenAiServer.Config(host, port, parallel, queue, id, defaults, sampling.seed, 16, pooling);
            OpenAiServer server;
            try {
                server = OpenAiServer.start(model, config, quiet ? null : line -> Console.ERR.println(line));
            } catch (java.net.BindException e) {
                throw new CliException("cannot listen on " + host + ":" + port + ": " + e.getMessage() + " (pick another --port)");
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "jllm-serve-shutdown"));
            Console.OUT.println("jllm serve: " + id + " (context " + model.info().contextLength() + ", " + parallel
                    + " parallel, queue " + queue + ") listening on " + server.baseUrl() + " (OpenAI's API under /v1, Anthropic's at /v1/messages, Ollama's under /api)");
            Console.OUT.flush();
            BackgroundWarmUp.start(model, quiet ? null : line -> Console.ERR.println("jllm serve: " + line));
            stopped.await();
        }
        return 0;
    }
}
