package dev.jllm.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.Completion;
import dev.jllm.FinishReason;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.TokenLogit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jllm generate}: one prompt in, its continuation out (streamed, or one JSON object). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a continuation of a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelArgs modelArgs;
    @Mixin SamplingArgs sampling;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",", description = "The prompt as comma-separated token ids (instead of --prompt).")
    int[] promptIds;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "256",
            description = "Tokens to generate (default: ${DEFAULT-VALUE}; 0 only scores the prompt; -1 until the context is full).")
    int maxTokens;

    @Option(names = "--special", description = "Parse special-token texts in the prompt (e.g. <|im_start|>) as single tokens.")
    boolean special;

    @Option(names = "--json-object", description = "Constrain the output to one JSON object (as the server's response_format json_object).")
    boolean jsonObject;

    @Option(names = "--json-schema", paramLabel = "SCHEMA",
            description = "Constrain the output to JSON valid against this JSON schema: a file, or the schema itself when it begins with '{' (as the server's response_format json_schema).")
    String jsonSchema;

    @Option(names = "--grammar", paramLabel = "GBNF",
            description = "Constrain the output to a GBNF grammar (llama.cpp's notation, start rule 'root'): a file, or the grammar itself when it contains '::='.")
    String grammar;

    @Option(names = "--json", description = "Print one JSON object (prompt_ids, ids, text, finish_reason, timings) instead of streaming text.")
    boolean json;

    @Option(names = "--logits-top", paramLabel = "K", defaultValue = "0", description = "With --json: the K highest logits at every prompt position.")
    int logitsTop;

    @Option(names = "--prompt-cache", paramLabel = "FILE",
            description = "Start from the context saved in FILE (the part of the prompt it holds is not evaluated again) and save the context there afterwards, as llama-cli's --prompt-cache.")
    java.nio.file.Path promptCache;

    /**
     * A constraint's text, given inline or in a file, checked here so that a bad one is one line
     * saying what is wrong.
     *
     * @param flag   the option, for messages
     * @param inline whether the argument is the text itself rather than a file name
     * @param what   what the inline form looks like, for messages
     * @param check  builds the constraint (throws IllegalArgumentException naming the mistake)
     */
    static String constraintText(String flag, String arg, boolean inline, String what, java.util.function.Consumer<String> check) {
        String text = arg;
        if (!inline) {
            try {
                text = java.nio.file.Files.readString(java.nio.file.Path.of(arg));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new CliException(flag + ": there is no file " + arg + "; give a file or " + what);
            } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
                throw new CliException(flag + ": cannot read " + arg + " (" + e.getMessage() + "); give a file or " + what);
            }
        }
        try {
            check.accept(text);
        } catch (IllegalArgumentException e) {
            throw new CliException(flag + ": " + e.getMessage());
        }
        return text;
    }

    @Override
    public Integer call() throws Exception {
        if ((prompt == null) == (promptIds == null)) throw new CliException("give exactly one of --prompt or --prompt-ids");
        if (maxTokens < -1) throw new CliException("--max-tokens must be ≥ 0 (or -1 for no limit), got " + maxTokens);
        if (logitsTop < 0) throw new CliException("--logits-top must be ≥ 0, got " + logitsTop);
        if (logitsTop > 0 && !json) throw new CliException("--logits-top needs --json");
        GenerationParams params = sampling.toParams()
                .maxTokens(maxTokens)
                .parseSpecialTokens(special)
                .promptTopLogits(logitsTop)
                .jsonObject(jsonObject)
                .build();
        if ((jsonObject ? 1 : 0) + (jsonSchema != null ? 1 : 0) + (grammar != null ? 1 : 0) > 1) {
            throw new CliException("give one of --json-object, --json-schema or --grammar");
        }
        if (jsonSchema != null) {
            params = params.toBuilder().jsonSchema(constraintText("--json-schema", jsonSchema, jsonSchema.stripLeading().startsWith("{"),
                    "the schema itself, beginning with '{'", t -> GenerationParams.builder().jsonSchema(t))).build();
        }
        if (grammar != null) {
            params = params.toBuilder().grammar(constraintText("--grammar", grammar, grammar.contains("::="),
                    "the grammar itself (it contains '::=')", t -> GenerationParams.builder().grammar(t))).build();
        }
        try (Model model = modelArgs.load()) {
            Session session = model.newSession();
            if (promptCache != null) restorePromptCache(session);
            Completion c;
            PromptProgress progress = new PromptProgress();
            if (json) {
                TokenListener quiet = new TokenListener() {
                    @Override public Action onToken(String piece, int id) { return Action.CONTINUE; }
                    @Override public void onPromptProgress(int evaluated, int total) { progress.update(evaluated, total); }
                };
                c = promptIds != null ? session.generate(promptIds, params, quiet) : session.generate(prompt, params, quiet);
                Console.OUT.println(new ObjectMapper().writeValueAsString(toJson(c)));
            } else {
                // the prompt is echoed once it has been evaluated: a progress line drawn on the
                // terminal meanwhile would otherwise overwrite it
                String echo = prompt != null ? prompt : model.detokenize(promptIds);
                boolean[] echoed = {false};
                Runnable echoOnce = () -> {
                    if (echoed[0]) return;
                    echoed[0] = true;
                    Console.OUT.print(echo);
                    Console.OUT.flush();
                };
                TokenListener print = new TokenListener() {
                    @Override
                    public Action onToken(String piece, int id) {
                        echoOnce.run();
                        Console.OUT.print(piece);
                        Console.OUT.flush();
                        return Action.CONTINUE;
                    }

                    @Override
                    public void onPromptProgress(int evaluated, int total) {
                        progress.update(evaluated, total);
                        if (evaluated >= total) echoOnce.run();
                    }
                };
                c = promptIds != null ? session.generate(promptIds, params, print) : session.generate(prompt, params, print);
                echoOnce.run();
                Console.OUT.println();
            }
            if (promptCache != null) {
                try {
                    session.saveState(promptCache);
                } catch (java.io.IOException e) {
                    throw new CliException("cannot save the prompt cache " + promptCache + ": " + e.getMessage());
                }
            }
            if (c.finishReason() == FinishReason.LENGTH && (maxTokens < 0 || c.tokenIds().length < maxTokens)) {
                // not the token limit: the context filled up first
                Console.ERR.println("jllm generate: stopped after " + c.tokenIds().length + " tokens: the context of "
                        + session.contextLength() + " positions is full (use a larger --ctx)");
            }
        }
        return 0;
    }

    /** Restores the prompt cache if there is one; one that cannot be used is said and set aside (it is overwritten afterwards). */
    private void restorePromptCache(Session session) {
        if (!java.nio.file.Files.exists(promptCache)) return;
        try {
            session.restoreState(promptCache);
        } catch (dev.jllm.SessionStateException | java.io.IOException e) {
            Console.ERR.println("jllm generate: not using the prompt cache: " + e.getMessage() + " (it will be overwritten)");
        }
    }

    static Map<String, Object> toJson(Completion c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("prompt_ids", c.promptTokenIds());
        out.put("ids", c.tokenIds());
        out.put("text", c.text());
        out.put("finish_reason", c.finishReason().jsonName());
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("prompt_tokens", c.timings().promptTokens());
        t.put("prompt_ms", c.timings().promptNanos() / 1e6);
        t.put("prompt_tokens_per_second", c.timings().promptTokensPerSecond());
        t.put("generated_tokens", c.timings().generatedTokens());
        t.put("generation_ms", c.timings().generationNanos() / 1e6);
        t.put("generation_tokens_per_second", c.timings().generationTokensPerSecond());
        out.put("timings", t);
        if (!c.promptTopLogits().isEmpty()) {
            List<List<Object[]>> top = new ArrayList<>();
            for (List<TokenLogit> pos : c.promptTopLogits()) {
                List<Object[]> row = new ArrayList<>();
                for (TokenLogit tl : pos) row.add(new Object[]{tl.id(), tl.logit()});
                top.add(row);
            }
            out.put("top_logits", top);
        }
        return out;
    }
}
