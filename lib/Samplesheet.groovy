import java.nio.file.Files
import java.nio.file.Path

/**
 * A models samplesheet (params.models given as a .csv file): a header line with the columns `name` and `path`
 * (other columns are allowed and ignored), then one checkpoint per line, the first the anchor:
 *
 *     name,path
 *     alias,/data/hf/hub/models--stanford-crfm--alias-gpt2-small-x21/snapshots/3f2a9c1e
 *     battlestar,/data/hf/hub/models--stanford-crfm--battlestar-gpt2-small-x49/snapshots/8b0d44e7
 *
 * so that downloaded Hugging Face cache snapshots (directories named by commit hash) get names. A sheet with the
 * columns `seed` and `step` (and optionally `size`) describes a study (lib/StudyGrid.groovy, docs/dynamics.md):
 * read() then also returns grid, one [seed, step, size] per checkpoint (size '' without the column). Relative paths are
 * relative to the launch directory, as every path param. Fields may be double-quoted; blank lines and lines
 * starting with # are skipped. read() returns the names and absolute paths in order, or one problem line per
 * problem ("--models: models.csv line 3: ..."), all of them at once, as lib/ParamsValidator.groovy reports.
 */
class Samplesheet {

    /** What a model name may hold: it names files (a__b.summary.h5) and '__' separates the models of a pair. */
    static final String NAME_PATTERN = /[A-Za-z0-9][A-Za-z0-9._-]*/

    /** A value of params.models that is a samplesheet: one path ending in .csv. */
    static boolean isSheet(value) {
        List items = value instanceof Collection ? value as List : [value]
        items.size() == 1 && items[0] instanceof CharSequence && items[0].toString().trim().toLowerCase().endsWith('.csv')
    }

    /** [names: [...], paths: [...], grid: [...] or null, errors: [...]]; errors is empty when the sheet is good. */
    static Map read(String param, String sheet, Path launchDir) {
        Path file = launchDir.resolve(sheet.trim()).normalize()
        String where = "--${param}: ${sheet.trim()}"
        if (!Files.isRegularFile(file)) {
            return [names: [], paths: [], errors: ["${where}: no such file (expected a samplesheet with the columns name,path)".toString()]]
        }
        List<String> lines = Files.readAllLines(file)
        int head = lines.findIndexOf { !it.trim().isEmpty() && !it.trim().startsWith('#') }
        if (head < 0) {
            return [names: [], paths: [], errors: ["${where}: empty (expected a header line name,path and one line per checkpoint)".toString()]]
        }
        List<String> columns = fields(lines[head])
        List<String> missing = ['name', 'path'].findAll { !(it in columns) }
        if (missing) {
            return [names: [], paths: [], errors: ["${where}: missing column${missing.size() > 1 ? 's' : ''} ${missing.join(', ')} (header: ${lines[head].trim()}; expected name,path)".toString()]]
        }
        int nameAt = columns.indexOf('name'), pathAt = columns.indexOf('path')
        boolean study = 'step' in columns
        if (study && !('seed' in columns)) {
            return [names: [], paths: [], errors: ["${where}: a step column needs a seed column (header: ${lines[head].trim()}; expected name,path,seed,step[,size])".toString()]]
        }
        List<Map> grid = study ? [] : null
        Map<String, Integer> cellSeeds = [:]
        List<String> names = [], paths = [], errors = []
        Map<String, Integer> seen = [:]
        for (int i = head + 1; i < lines.size(); i++) {
            String line = lines[i]
            if (line.trim().isEmpty() || line.trim().startsWith('#')) continue
            String at = "${where} line ${i + 1}"
            List<String> f = fields(line)
            String name = nameAt < f.size() ? f[nameAt] : ''
            String path = pathAt < f.size() ? f[pathAt] : ''
            if (!name || !path) {
                errors << "${at}: needs a name and a path, got '${line.trim()}'".toString()
                continue
            }
            String bad = badName(name)
            if (bad) errors << "${at}: ${bad}".toString()
            if (seen.containsKey(name)) {
                errors << "${at}: duplicate name '${name}' (also line ${seen[name]}); names must differ, they name the outputs".toString()
            } else {
                seen[name] = i + 1
            }
            Path dir = launchDir.resolve(path).normalize()
            if (!Files.exists(dir)) {
                errors << "${at}: ${path}: no such directory".toString()
            } else if (!Files.isDirectory(dir)) {
                errors << "${at}: ${path}: is a file, expected a checkpoint directory".toString()
            }
            names << name
            paths << dir.toString()
            if (study) {
                Map g = gridRow(f, columns, at, errors)
                grid << g
                String key = "size '${g.size}', step ${g.step}, seed ${g.seed}"
                if (g.seed != null && g.step != null && cellSeeds.containsKey(key)) {
                    errors << "${at}: a second checkpoint of ${key} (also line ${cellSeeds[key]})".toString()
                }
                cellSeeds[key] = i + 1
            }
        }
        if (!errors && names.isEmpty()) {
            errors << "${where}: no checkpoints listed (expected one line name,path per checkpoint)".toString()
        }
        [names: names, paths: paths, grid: grid, errors: errors]
    }

    /** [seed, step, size] of a study row; a bad field adds its problem to errors. */
    private static Map gridRow(List<String> f, List<String> columns, String at, List<String> errors) {
        String seed = field(f, columns, 'seed'), step = field(f, columns, 'step'), size = field(f, columns, 'size')
        Map g = [seed: null, step: null, size: size]
        if (seed ==~ /-?[0-9]{1,9}/) g.seed = seed as int
        else errors << "${at}: seed '${seed}' is not an integer".toString()
        if (step ==~ /[0-9]{1,9}/) g.step = step as int
        else errors << "${at}: step '${step}' is not a training step (an integer >= 0)".toString()
        String bad = size ? badName(size) : null
        if (bad) errors << "${at}: size ${bad.substring(5)}".toString()
        g
    }

    private static String field(List<String> f, List<String> columns, String column) {
        int at = columns.indexOf(column)
        at >= 0 && at < f.size() ? f[at] : ''
    }

    /** Why a model name cannot be used, or null. */
    static String badName(String name) {
        if (!(name ==~ NAME_PATTERN)) {
            return "name '${name}' may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit"
        }
        if (name.contains('__')) {
            return "name '${name}' contains '__', which separates the two models of a pair in file names"
        }
        return null
    }

    /** The comma-separated fields of one line, trimmed, double quotes removed ("a,b" keeps its comma). */
    static List<String> fields(String line) {
        List<String> out = []
        StringBuilder cur = new StringBuilder()
        boolean quoted = false
        for (char c : line.toCharArray()) {
            if (c == '"' as char) {
                quoted = !quoted
            } else if (c == ',' as char && !quoted) {
                out << cur.toString().trim()
                cur.setLength(0)
            } else {
                cur.append(c)
            }
        }
        out << cur.toString().trim()
        out
    }
}
