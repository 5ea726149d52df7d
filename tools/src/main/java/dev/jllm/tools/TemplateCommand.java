package dev.jllm.tools;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.jllm.chat.TemplateConformance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jllm template}: renders a chat template for a file of conversations and prints the
 * results as one JSON document in the format of the shared reference renderings
 * ({@code templates/expected/*.json}) — how others check our Jinja engine. Keep the format stable.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Render a chat template for conversations; print the renderings as JSON.")
final class TemplateCommand implements Callable<Integer> {
    @Option(names = "--template", required = true, paramLabel = "FILE.jinja", description = "Jinja chat template.")
    Path template;

    @Option(names = "--conversations", required = true, paramLabel = "FILE.json", description = "JSON list of conversations (name, messages, add_generation_prompt, optional tools, chat_template_kwargs).")
    Path conversations;

    @Option(names = "--bos", defaultValue = "", paramLabel = "TEXT", description = "bos_token value (default: empty).")
    String bos;

    @Option(names = "--eos", defaultValue = "", paramLabel = "TEXT", description = "eos_token value (default: empty).")
    String eos;

    @Option(names = "--model", paramLabel = "NAME", description = "Model name recorded in the output.")
    String model;

    @Option(names = "--now", paramLabel = "YYYY-MM-DDTHH:MM:SS", description = "Moment strftime_now sees (default: 2024-07-26T00:00:00, as the reference renderings).")
    String now;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(template)) throw new CliException("template file not found: " + template);
        if (!Files.isRegularFile(conversations)) throw new CliException("conversations file not found: " + conversations);
        LocalDateTime moment = TemplateConformance.REFERENCE_MOMENT;
        if (now != null) {
            try {
                moment = LocalDateTime.parse(now);
            } catch (DateTimeParseException e) {
                throw new CliException("--now must look like 2024-07-26T00:00:00, got " + now);
            }
        }
        // Integers stay integers and fractions stay floats, as Python's json module reads them.
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);
        Object parsed;
        try {
            parsed = json.readValue(conversations.toFile(), Object.class);
        } catch (JsonProcessingException e) {
            throw new CliException(conversations + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(parsed instanceof List<?> list) || !list.stream().allMatch(c -> c instanceof Map<?, ?>)) {
            throw new CliException(conversations + " must hold a JSON list of conversation objects");
        }
        String source = Files.readString(template, StandardCharsets.UTF_8);
        Map<String, Object> doc = TemplateConformance.document(template.getFileName().toString(), source, model,
                list, conversations.toString(), bos, eos, moment);
        Console.OUT.println(json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        return 0;
    }
}
