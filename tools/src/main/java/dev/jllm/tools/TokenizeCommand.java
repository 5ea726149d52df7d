package dev.jllm.tools;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jllm tokenize}: text to token ids with a model's tokenizer (only the tokenizer is
 * loaded, so vocabulary-only GGUF files work too).
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Turn text into token ids.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "NAME|FILE", description = "GGUF file or model name (a vocabulary-only file is enough).")
    String model;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Text to tokenize.")
    String prompt;

    @Option(names = "--input-jsonl", description = "Read one JSON string per line on stdin; print one JSON array of ids per line.")
    boolean inputJsonl;

    @Option(names = "--json", description = "Print the ids as a JSON array.")
    boolean json;

    @Option(names = "--no-bos", description = "Do not add BOS/EOS even if the vocabulary asks for them.")
    boolean noBos;

    @Option(names = "--special", description = "Parse special-token texts (e.g. <|im_start|>) as single tokens.")
    boolean special;

    @Override
    public Integer call() throws Exception {
        if (inputJsonl == (prompt != null)) throw new CliException("give exactly one of --prompt or --input-jsonl");
        Path model = ModelArgs.resolve(this.model, true);
        ObjectMapper mapper = new ObjectMapper();
        try (GGUFFile f = GGUFFile.open(model)) {
            Tokenizer tok = Tokenizer.fromMetadata(f.metadata());
            if (inputJsonl) {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                int lineNo = 0;
                for (String line; (line = in.readLine()) != null; ) {
                    lineNo++;
                    if (line.isBlank()) continue;
                    JsonNode node;
                    try {
                        node = mapper.readTree(line);
                    } catch (Exception e) {
                        throw new CliException("stdin line " + lineNo + " is not valid JSON");
                    }
                    if (!node.isTextual()) throw new CliException("stdin line " + lineNo + " is not a JSON string");
                    Console.OUT.println(mapper.writeValueAsString(tok.encode(node.asText(), !noBos, special)));
                }
            } else {
                int[] ids = tok.encode(prompt, !noBos, special);
                if (json) {
                    Console.OUT.println(mapper.writeValueAsString(ids));
                } else {
                    for (int id : ids) Console.OUT.printf("%6d  %s%n", id, mapper.writeValueAsString(tok.vocabulary().text(id)));
                }
            }
        }
        return 0;
    }
}
