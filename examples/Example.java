import java.nio.file.Path;
import java.util.List;

import dev.jllm.ChatSession;
import dev.jllm.Completion;
import dev.jllm.Embedding;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Pooling;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.TokenStream;

public class Example {
    public static void main(String[] args) {
        ModelOptions options = ModelOptions.builder()
                .threads(2)
                .progress((stage, fraction) -> System.err.printf("%s %.0f%%%n", stage, fraction * 100))
                .build();
        try (Model model = Model.load(Path.of(args[0]), options)) {
            // 1. Push: a listener receives the text as it is generated.
            Session session = model.newSession();
            Completion c = session.generate("Once upon a time", GenerationParams.greedy(40),
                    (piece, id) -> { System.out.print(piece); return TokenListener.Action.CONTINUE; });
            System.out.printf("%n[%s, %d prompt + %d generated tokens, %.0f tokens/s]%n", c.finishReason(),
                    c.promptTokens(), c.generatedTokens(), c.timings().generationTokensPerSecond());

            // 2. Pull: iterate over the pieces; closing the stream early cancels the generation.
            GenerationParams sampled = GenerationParams.builder()
                    .maxTokens(60).temperature(0.7).topP(0.9).seed(42).stopStrings(List.of(".")).build();
            try (TokenStream pieces = session.stream("Tom and Lily", sampled)) {
                pieces.forEach(System.out::print);
                System.out.println(" [" + pieces.completion().finishReason() + "]");
            }

            // 3. Chat: the model's template, history, and the KV cache reused between turns.
            ChatSession chat = model.newChatSession("You are a storyteller.");
            for (String question : List.of("Tell me about a cat.", "What did the cat eat?")) {
                Completion reply = chat.send(question, GenerationParams.greedy(30), TokenListener.NONE);
                System.out.println("> " + question + "\n" + reply.text().strip());
            }

            // 4. Structured output: the reply is constrained to one JSON object.
            GenerationParams json = GenerationParams.builder().maxTokens(30).temperature(0).jsonObject(true).build();
            System.out.println("JSON: " + session.generate("A cat named Tom", json).text());

            // 5. Embeddings: texts as vectors, for search (a real embedding model declares its pooling).
            Embedding cat = model.embed("The cat sat on the mat.", Pooling.MEAN, true);
            Embedding dog = model.embed("The dog sat on the rug.", Pooling.MEAN, true);
            System.out.printf("cosine(cat, dog) = %.3f over %d dimensions%n", cat.cosine(dog), cat.vector().length);
        }
    }
}
