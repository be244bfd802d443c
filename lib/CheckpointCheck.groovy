import groovy.json.JsonSlurper

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * Checks every given checkpoint before any task starts (main.nf) and returns its shape, which the plan needs
 * (lib/Plan.groovy: layer blocks, memory, disk, FLOPs). One map per model, in order, with the keys of the checkpoint
 * check command's JSON lines:
 *
 *     name, path, architecture (gpt2 | gpt_neox), n_layers, d_model, d_mlp, n_heads, vocab_size, n_ctx, format, dtype
 *
 * A bad checkpoint stops the run with one line naming it (CheckpointException).
 *
 * The checkpoints tool of the task jars runs once for all models (`java -cp java-tasks/dist/<CHECK_JAR>.jar:
 * java-tasks/dist/lib/* CHECK_CLASS --checkpoint NAME=DIR ...`: one JSON line per model on stdout, from config.json
 * and the weights' headers; on a bad checkpoint one error line and exit 1), and its lines are the shapes. The plan's
 * unit tests, whose preset checkpoints are config.json files without weights, set CHECK_CLASS null: config.json is
 * then read here (GPT-2 and GPT-NeoX key names) and the weights files are only looked for.
 */
class CheckpointCheck {

    /** The task jar (java-tasks/dist/NAME.jar) and main class of the checkpoint check command; null: read config.json here. */
    static String CHECK_JAR = 'checkpoints'
    static String CHECK_CLASS = 'org.uneurons.checkpoints.CheckpointsTool'

    /** The keys every shape has. */
    static final List<String> KEYS = ['name', 'path', 'architecture', 'n_layers', 'd_model', 'd_mlp', 'n_heads',
                                      'vocab_size', 'n_ctx', 'format', 'dtype']

    /** The one line that stops the run. */
    static class CheckpointException extends RuntimeException {
        CheckpointException(String message) { super(message) }
    }

    /**
     * The checked shapes of a run's checkpoints (validated params: models, model_names, ctx), or null in the demo
     * (no checkpoints); a bad checkpoint, or a context longer than a model's, throws CheckpointException.
     */
    static List<Map> ofRun(Map p, Path projectDir) {
        if (!p.models) return null
        List<Map> shapes = check([p.model_names, p.models].transpose().collect { [name: it[0], path: it[1]] }, projectDir)
        List<String> problems = against(shapes, p.ctx as int)
        if (problems) throw new CheckpointException(problems.join('\n'))
        shapes
    }

    /** The shapes of the given models [name, path], in order; throws CheckpointException on the first bad one. */
    static List<Map> check(List<Map> models, Path projectDir) {
        if (CHECK_CLASS) {
            Path dist = projectDir.resolve('java-tasks/dist')
            List<String> cmd = ['java', '-Djava.awt.headless=true', '-cp', "${dist}/${CHECK_JAR}.jar:${dist}/lib/*".toString(), CHECK_CLASS]
            models.each { cmd += ['--checkpoint', "${it.name}=${it.path}".toString()] }
            return viaCommand(cmd, models)
        }
        return models.collect { fromConfig(it.name as String, Path.of(it.path as String)) }
    }

    /** Runs the check command; its stdout lines are JSON objects, one per model, in order. */
    static List<Map> viaCommand(List<String> cmd, List<Map> models) {
        ProcessBuilder pb = new ProcessBuilder(cmd)
        pb.environment().putAll([DJL_OFFLINE: 'true', OPT_OUT_TRACKING: 'true'])
        Process proc = pb.start()
        StringBuilder out = new StringBuilder(), err = new StringBuilder()
        Thread readOut = proc.consumeProcessOutputStream(out), readErr = proc.consumeProcessErrorStream(err)
        if (!proc.waitFor(10, TimeUnit.MINUTES)) {
            proc.destroy()
            throw new CheckpointException("--models: the checkpoint check did not finish within 10 minutes (${cmd.join(' ')})")
        }
        readOut.join()     // the output is read to its end before it is used
        readErr.join()
        List<String> lines = out.toString().readLines().findAll { it.trim() }
        if (proc.exitValue() != 0) {
            String line = (err.toString().readLines().findAll { it.trim() } ?: lines ?: ['(no message)'])[-1].trim()
            // the tool's own prefix ("checkpoints: error: ") gives way to the param's
            throw new CheckpointException("--models: ${line.replaceFirst(/^[\w-]+: error: /, '')}")
        }
        List<Map> shapes = lines.findAll { it.trim().startsWith('{') }.collect { (Map) new JsonSlurper().parseText(it) }
        if (shapes*.name != models*.name) {
            throw new CheckpointException("--models: the checkpoint check answered for ${shapes*.name}, expected ${models*.name}")
        }
        shapes.each { s ->
            List missing = KEYS.findAll { !s.containsKey(it) }
            if (missing) throw new CheckpointException("--models: ${s.name}: the checkpoint check gave no ${missing.join(', ')}")
        }
        return shapes
    }

    /** The shape of one checkpoint directory from its config.json, GPT-2 or GPT-NeoX key names. */
    static Map fromConfig(String name, Path dir) {
        String where = "--models: ${name} (${dir})"
        Path config = dir.resolve('config.json')
        if (!Files.isRegularFile(config)) {
            throw new CheckpointException("${where}: no config.json (expected a Hugging Face checkpoint directory)")
        }
        Map c
        try {
            c = (Map) new JsonSlurper().parse(config.toFile())
        } catch (Exception e) {
            throw new CheckpointException("${where}: config.json is not a JSON object (${e.message?.readLines()?.first()})")
        }
        String arch = architecture(c)
        if (arch == null) {
            throw new CheckpointException("${where}: config.json has model_type '${c.model_type}' (${c.architectures}); expected gpt2 or gpt_neox")
        }
        Map k = arch == 'gpt2'
            ? [n_layers: c.n_layer, d_model: c.n_embd, d_mlp: c.n_inner ?: (c.n_embd instanceof Number ? 4 * c.n_embd : null),
               n_heads: c.n_head, vocab_size: c.vocab_size, n_ctx: c.n_positions ?: c.n_ctx]
            : [n_layers: c.num_hidden_layers, d_model: c.hidden_size, d_mlp: c.intermediate_size,
               n_heads: c.num_attention_heads, vocab_size: c.vocab_size, n_ctx: c.max_position_embeddings]
        List bad = k.findAll { key, v -> !(v instanceof Number) || (v as long) <= 0 }.collect { it.key }
        if (bad) {
            throw new CheckpointException("${where}: config.json gives no positive ${bad.join(', ')} for ${arch}")
        }
        String format = weightsFormat(dir)
        if (format == null) {
            throw new CheckpointException("${where}: no weights (model.safetensors, model.safetensors.index.json or pytorch_model.bin)")
        }
        [name: name, path: dir.toString(), architecture: arch] + k.collectEntries { key, v -> [key, v as int] } +
            [format: format, dtype: (c.torch_dtype ?: c.dtype ?: 'float32').toString()]
    }

    private static String architecture(Map c) {
        String type = c.model_type?.toString()
        List archs = (c.architectures ?: []) as List
        if (type == 'gpt2' || archs.any { it.toString().startsWith('GPT2') }) return 'gpt2'
        if (type == 'gpt_neox' || archs.any { it.toString().startsWith('GPTNeoX') }) return 'gpt_neox'
        return null
    }

    private static String weightsFormat(Path dir) {
        if (Files.isRegularFile(dir.resolve('model.safetensors'))) return 'safetensors'
        if (Files.isRegularFile(dir.resolve('model.safetensors.index.json'))) return 'safetensors-sharded'
        if (Files.isRegularFile(dir.resolve('pytorch_model.bin'))) return 'pytorch'
        if (Files.isRegularFile(dir.resolve('pytorch_model.bin.index.json'))) return 'pytorch-sharded'
        return null
    }

    /** Problems of the run's params against the checked shapes: a context longer than a model's. */
    static List<String> against(List<Map> shapes, int ctx) {
        shapes.findAll { (it.n_ctx as int) < ctx }.collect {
            "--ctx: ${ctx} is longer than the context of ${it.name} (n_ctx ${it.n_ctx})".toString()
        }
    }
}
