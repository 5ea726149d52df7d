package dev.jllm.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The jar's entry point, compiled for Java 11 so that it runs on whatever {@code java} is on the
 * PATH. jllm itself needs Java 22 or newer started with {@code --add-modules jdk.incubator.vector
 * --enable-native-access=ALL-UNNAMED}. If this JVM is such a JVM, the app starts here; otherwise
 * the jar is run again with a suitable JDK (JAVA_HOME, then the usual install locations) and the
 * right flags, passing arguments, stdin/stdout and the exit status through. The JVM's "using
 * incubator modules" warning is filtered out of the child's stderr.
 */
public final class Launcher {
    static final int MIN_FEATURE = 22;
    static final String APP_MAIN = "dev.jllm.tools.Main";
    static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";
    static final String[] FLAGS = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"};
    /**
     * JVM settings for the re-executed app. jllm allocates little on the heap (activations and
     * the KV cache; weights stay in the mapped file), so the serial collector keeps the heap — and
     * the process's resident memory — small, where G1 would grow it by hundreds of megabytes
     * before its first collection. Users can override it with JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS.
     */
    static final String[] JVM_SETTINGS = {"-XX:+UseSerialGC"};

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (runningJvmIsReady()) {
            startApp(args);
            return;
        }
        if (System.getProperty("jllm.launched") != null) {
            // We re-executed already and the child still lacks the module: do not loop.
            System.err.println("jllm: the JVM at " + System.getProperty("java.home") + " lacks jdk.incubator.vector; install a full JDK 22+ (e.g. Temurin 25)");
            System.exit(1);
        }
        Optional<Path> java = findJava();
        if (!java.isPresent()) {
            System.err.println("jllm: needs Java " + MIN_FEATURE + " or newer (this is Java " + feature() + "). "
                    + "Install a JDK 25 (e.g. Temurin 25: https://adoptium.net) and set JAVA_HOME to it.");
            System.exit(1);
        }
        System.exit(relaunch(java.get(), args));
    }

    static int feature() {
        return Runtime.version().feature();
    }

    /** Java 22+ with the Vector API module resolved (i.e. started with the flags). */
    static boolean runningJvmIsReady() {
        return feature() >= MIN_FEATURE && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    static void startApp(String[] args) throws Exception {
        Method main = Class.forName(APP_MAIN).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) throw (Exception) cause;
            throw (Error) cause;
        }
    }

    /** The java executable of the best JDK found: this JVM if new enough, then JAVA_HOME, then install folders. */
    static Optional<Path> findJava() {
        List<Path> homes = new ArrayList<>();
        homes.add(Paths.get(System.getProperty("java.home")));
        String env = System.getenv("JAVA_HOME");
        if (env != null && !env.isEmpty()) homes.add(Paths.get(env));
        String userHome = System.getProperty("user.home");
        for (String dir : new String[]{"/usr/lib/jvm", "/usr/java", "/opt/java", "/opt/jdk", "/opt",
                userHome + "/.sdkman/candidates/java", userHome + "/.jdks", "/Library/Java/JavaVirtualMachines"}) {
            homes.addAll(children(Paths.get(dir)));
        }
        Path best = null;
        int bestFeature = 0;
        for (Path home : homes) {
            Path h = home.resolve("Contents/Home").toFile().isDirectory() ? home.resolve("Contents/Home") : home;
            Path java = h.resolve("bin").resolve(isWindows() ? "java.exe" : "java");
            if (!Files.isExecutable(java)) continue;
            int f = releaseFeature(h);
            if (f >= MIN_FEATURE && f > bestFeature && hasVectorModule(h)) {
                best = java;
                bestFeature = f;
            }
        }
        return Optional.ofNullable(best);
    }

    private static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.list(dir)) {
            s.sorted().forEach(out::add);
        } catch (IOException ignored) {
            // unreadable folder: nothing to find there
        }
        return out;
    }

    /** The feature version from a JDK's {@code release} file (JAVA_VERSION="25.0.3"), or 0. */
    static int releaseFeature(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) return 0;
        try {
            for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "").trim();
                    String first = v.split("[.+-]")[0];
                    return first.equals("1") ? 8 : Integer.parseInt(first);
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not a readable JDK
        }
        return 0;
    }

    /** A JRE image may leave the incubator module out; the release file lists the modules. */
    static boolean hasVectorModule(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"), StandardCharsets.UTF_8)) {
                if (line.startsWith("MODULES=")) return line.contains("jdk.incubator.vector");
            }
            return true; // no module list: assume a full JDK
        } catch (IOException e) {
            return false;
        }
    }

    static int relaunch(Path java, String[] args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        for (String f : FLAGS) cmd.add(f);
        for (String f : JVM_SETTINGS) cmd.add(f);
        cmd.add("-Djllm.launched=true");
        cmd.add("-cp");
        cmd.add(jarPath());
        cmd.add(Launcher.class.getName());
        for (String a : args) cmd.add(a);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
        pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        ignoreInterrupts(); // Ctrl-C is for the child (it stops a chat reply); we wait for its exit status
        Process p = pb.start();
        // A TERM to this process (kill, a supervisor stopping `jllm serve`) must reach the child too.
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy, "jllm-child-stop"));
        Thread pump = new Thread(() -> filterStderr(p.getErrorStream(), System.err), "stderr");
        pump.setDaemon(true);
        pump.start();
        int status = p.waitFor();
        pump.join(2000);
        return status;
    }

    static String jarPath() {
        try {
            return new File(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        } catch (Exception e) {
            return System.getProperty("java.class.path");
        }
    }

    /** Copies the child's stderr, dropping the JVM's incubator-module warning line. */
    static void filterStderr(InputStream in, OutputStream out) {
        byte[] warning = (INCUBATOR_WARNING + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
        try {
            byte[] head = new byte[warning.length];
            int n = 0;
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) break;
                n += r;
                if (!startsWith(warning, head, n)) break;
            }
            if (n != warning.length || !startsWith(warning, head, n)) out.write(head, 0, n);
            out.flush();
            byte[] buf = new byte[8192];
            for (int r; (r = in.read(buf)) >= 0; ) {
                out.write(buf, 0, r);
                out.flush();
            }
        } catch (IOException ignored) {
            // the child is gone
        }
    }

    private static boolean startsWith(byte[] full, byte[] prefix, int n) {
        for (int i = 0; i < n; i++) if (full[i] != prefix[i]) return false;
        return true;
    }

    /**
     * Makes this (parent) JVM survive SIGINT with a handler that does nothing, via sun.misc.Signal
     * when available. Not SIG_IGN: an ignored signal stays ignored in the child after exec, and a
     * JVM that starts with SIGINT ignored refuses to handle it, so the child's Ctrl-C handling
     * (stopping a chat reply) would never run. A caught signal is reset to its default on exec.
     */
    static void ignoreInterrupts() {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object noop = java.lang.reflect.Proxy.newProxyInstance(Launcher.class.getClassLoader(), new Class<?>[]{handler},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "hashCode": return System.identityHashCode(proxy);
                            case "equals": return proxy == args[0];
                            case "toString": return "jllm launcher: SIGINT is for the child";
                            default: return null; // handle(Signal): nothing to do
                        }
                    });
            Object sigint = signal.getConstructor(String.class).newInstance("INT");
            signal.getMethod("handle", signal, handler).invoke(null, sigint, noop);
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // not available: Ctrl-C then ends both processes, which is acceptable
        }
    }

    static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }
}
