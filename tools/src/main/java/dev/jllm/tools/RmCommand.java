package dev.jllm.tools;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jllm.tools.models.HfRepo;
import dev.jllm.tools.models.ModelRegistry;
import dev.jllm.tools.models.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jllm rm NAME…}: delete models (and unfinished downloads of them) from the models folder. */
@Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete downloaded models from the models folder.")
final class RmCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "NAME", description = {"Registry name or file name (with or without .gguf) in the models folder,",
            "or hf:OWNER/REPO[:QUANT]: what pulling it left (the GGUF file; without QUANT also the checkpoint folder and its converted file)."})
    List<String> names;

    @Override
    public Integer call() throws Exception {
        ModelStore store = ModelStore.fromEnvironment();
        ModelRegistry reg = ModelRegistry.load();
        int missing = 0;
        for (String name : names) {
            HfRepo hf = HfRepo.parse(name);
            if (hf != null) {
                long freed = hf.remove(store);
                if (freed == 0) {
                    Console.ERR.println("jllm rm: nothing of " + hf + " in " + store.folder());
                    missing++;
                } else {
                    Console.OUT.println("removed " + hf + " (" + ModelStore.humanSize(freed) + ")");
                }
                continue;
            }
            String file = reg.find(name).map(ModelRegistry.Entry::file)
                    .or(() -> store.find(name).map(p -> p.getFileName().toString()))
                    .orElse(null);
            if (file == null && ModelStore.isSafeFileName(name) && Files.exists(store.pathOf(name + ModelStore.PART_SUFFIX))) file = name;
            if (file == null || !ModelStore.isSafeFileName(file)) {
                Console.ERR.println("jllm rm: no model '" + name + "' in " + store.folder() + " (jllm list shows what is there)");
                missing++;
                continue;
            }
            long freed = store.remove(file);
            if (freed == 0 && !Files.exists(store.pathOf(file))) {
                Console.ERR.println("jllm rm: " + name + " is not downloaded (nothing in " + store.folder() + ")");
                missing++;
            } else {
                Console.OUT.println("removed " + file + " (" + ModelStore.humanSize(freed) + ")");
            }
        }
        return missing == 0 ? 0 : 1;
    }
}
