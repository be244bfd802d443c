import groovy.json.JsonSlurper

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths

/**
 * Checks a run's params against nextflow_schema.json before any task starts, and returns them normalised.
 *
 * Nextflow plugins (nf-schema) cannot be fetched offline, so this covers the subset of JSON Schema the
 * pipeline's schema uses: properties grouped under $defs, type (string, integer, number, boolean, array),
 * required, enum, minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers, as in JSON Schema 2020-12),
 * minItems, pattern, array items, and the nf-schema keywords format
 * (file-path, directory-path, path) with exists: true. Two extra keywords: uniqueBasenames on an array of
 * paths rejects two entries with the same directory name (names identify models in outputs); samplesheet: KEY on
 * an array of directories also takes one .csv file with the columns name,path (lib/Samplesheet.groovy), and
 * stores the names in the normalised params under KEY (the directory names when a list is given).
 *
 * Normalisation: integers given as strings ("64") become Integer, booleans from "true"/"false" become Boolean,
 * an array given as a comma-separated string ("a,b") becomes a List, paths become absolute strings.
 * Every problem is one line "--name: what is wrong (expected ...)"; all of them are reported together.
 */
class ParamsValidator {

    /** Thrown with one line per problem; main.nf turns it into the run's error message. */
    static class InvalidParamsException extends RuntimeException {
        InvalidParamsException(String message) { super(message) }
    }

    /** Validates params (a Map) against the schema file; returns the normalised params or throws. */
    static Map validate(Map params, Path schemaFile, Path launchDir) {
        Map<String, Map> props = properties(schemaFile)
        Set<String> required = requiredNames(schemaFile)
        List<String> errors = []
        Map normalised = [:]

        params.each { key, value ->
            String name = key.toString()
            if (!props.containsKey(name) && !isCamelCopy(name, params)) {
                errors << "--${name}: unknown parameter (${suggest(name, props.keySet())})".toString()
            }
        }
        props.each { String name, Map spec ->
            def value = params.get(name)
            if (value == null || (value instanceof CharSequence && value.toString().isEmpty() && (spec.type != 'string' || spec.format))) {
                if (name in required) {
                    errors << "--${name}: missing (expected ${describe(spec)})".toString()
                }
                normalised[name] = null
                return
            }
            if (spec.samplesheet && Samplesheet.isSheet(value)) {
                Map sheet = Samplesheet.read(name, asList(value)[0].toString(), launchDir)
                errors.addAll(sheet.errors)
                normalised[name] = sheet.paths
                normalised[spec.samplesheet] = sheet.names
                return
            }
            def result = check(name, value, spec, launchDir, errors)
            normalised[name] = result
            if (spec.samplesheet) {
                List names = asList(result).collect { Paths.get(it.toString()).fileName.toString() }
                names.unique(false).each { n -> String bad = Samplesheet.badName(n); if (bad) errors << "--${name}: directory ${bad}".toString() }
                normalised[spec.samplesheet] = names
            }
        }
        if (!errors) {
            errors.addAll(combinations(normalised))
        }
        if (errors) {
            throw new InvalidParamsException(errors.join('\n'))
        }
        return normalised
    }

    /** Rules that tie several params together (each value is already valid on its own). */
    static List<String> combinations(Map p) {
        List<String> errors = []
        List models = (List) p.models ?: []
        List input = (List) p.input ?: []
        if (input && !models) {
            errors << "--input: needs --models (checkpoints to analyse); the demo trains its models on its own corpus only"
        }
        if (models && models.size() < 2) {
            errors << "--models: needs at least 2 checkpoints, got ${models.size()} (one anchor and at least one other seed)".toString()
        }
        if (models && !input) {
            errors << "--models: needs --input (the corpus to analyse: text, jsonl or token ids in the models' vocabulary)"
        }
        boolean fused = p.correlate_mode == 'fused' || (p.correlate_mode == 'auto' && models)
        if (p.save_activations && fused) {
            errors << "--save_activations: fused correlation writes no activation files (correlate_mode ${p.correlate_mode}${p.correlate_mode == 'auto' ? ' is fused for checkpoint runs' : ''}); set --correlate_mode staged to keep them".toString()
        }
        // INTERVENE keeps at most its first 256 tokens of a sequence; it would refuse this only after the upstream tasks
        boolean intervene = p.roles != false && p.intervene != false
        if (intervene && p.intervene_after_pos != null && p.ctx != null) {
            long seq = Math.min(PlanCosts.INTERVENE_CONTEXT, p.ctx as long)
            if ((p.intervene_after_pos as long) >= seq) {
                errors << "--intervene_after_pos: ${p.intervene_after_pos} leaves no query position in INTERVENE's sequences of ${seq} tokens (ctx ${p.ctx}, at most 256); lower it or set --intervene false".toString()
            }
        }
        List hooks = (List) p.hooks ?: []
        if (!('mlp_pre' in hooks) || !('mlp_post' in hooks)) {
            errors << "--hooks: must hold mlp_post and mlp_pre (correlate reads mlp_post, the neuron statistics need both)"
        }
        if (p.d_model != null && p.n_head != null && (p.d_model as int) % (p.n_head as int) != 0) {
            errors << "--n_head: ${p.n_head} does not divide d_model ${p.d_model}".toString()
        }
        if (p.analysis_fraction != null && !(p.analysis_fraction > 0 && p.analysis_fraction < 1)) {
            errors << "--analysis_fraction: ${p.analysis_fraction} is not between 0 and 1 (exclusive)".toString()
        }
        if (p.tune_fraction != null && p.analysis_fraction != null && !(p.tune_fraction > 0
                && p.analysis_fraction + p.tune_fraction < 1)) {
            errors << "--tune_fraction: ${p.tune_fraction} is not above 0 with analysis_fraction + tune_fraction below 1".toString()
        }
        if (p.baseline != 'both' && p.baseline_kind != null && p.baseline != null && p.baseline != p.baseline_kind) {
            errors << "--baseline_kind: ${p.baseline_kind} is not computed by --baseline ${p.baseline} (set both alike, or --baseline both)".toString()
        }
        return errors
    }

    // --- schema -------------------------------------------------------------------------------------------

    private static Map schema(Path file) {
        (Map) new JsonSlurper().parse(file.toFile())
    }

    /** All properties: top-level ones and those of every $defs group. */
    static Map<String, Map> properties(Path file) {
        Map s = schema(file)
        Map<String, Map> props = new LinkedHashMap<>()
        ((Map) s.get('$defs') ?: [:]).each { group, Map def_ -> props.putAll((Map) def_.properties ?: [:]) }
        props.putAll((Map) s.properties ?: [:])
        return props
    }

    private static Set<String> requiredNames(Path file) {
        Map s = schema(file)
        Set<String> names = new HashSet<>((List) s.required ?: [])
        ((Map) s.get('$defs') ?: [:]).each { group, Map def_ -> names.addAll((List) def_.required ?: []) }
        return names
    }

    // --- checks -------------------------------------------------------------------------------------------

    /** Checks one value against its spec; returns the normalised value (errors are appended). */
    private static Object check(String name, Object value, Map spec, Path launchDir, List<String> errors) {
        String type = spec.type
        switch (type) {
            case 'array':
                List items = asList(value)
                if (spec.minItems != null && items.size() < (spec.minItems as int)) {
                    errors << "--${name}: needs at least ${spec.minItems} item(s), got ${items.size()}".toString()
                    return items
                }
                Map itemSpec = (Map) spec.items ?: [type: 'string']
                List out = items.collect { check(name, it, itemSpec, launchDir, errors) }
                if (spec.uniqueBasenames) {
                    def names = out.collect { Paths.get(it.toString()).fileName.toString() }
                    def dups = names.findAll { n -> names.count(n) > 1 }.unique()
                    if (dups) {
                        errors << "--${name}: directory names must differ, they name the outputs (repeated: ${dups.join(', ')})".toString()
                    }
                }
                return out
            case 'integer':
                Long n = asInteger(value)
                if (n == null) {
                    errors << "--${name}: '${value}' is not an integer (expected ${describe(spec)})".toString()
                    return value
                }
                checkBounds(name, n, spec, errors)
                return (n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) ? n.intValue() : n
            case 'number':
                BigDecimal d = asNumber(value)
                if (d == null) {
                    errors << "--${name}: '${value}' is not a number (expected ${describe(spec)})".toString()
                    return value
                }
                checkBounds(name, d, spec, errors)
                return d
            case 'boolean':
                if (value instanceof Boolean) return value
                if (value.toString() in ['true', 'false']) return value.toString().toBoolean()
                errors << "--${name}: '${value}' is not a boolean (expected true or false)".toString()
                return value
            case 'string':
                if (!(value instanceof CharSequence)) {
                    errors << "--${name}: '${value}' is a ${kind(value)}, expected ${describe(spec)}".toString()
                    return value
                }
                String s = value.toString()
                if (spec.enum != null && !(s in (List) spec.enum)) {
                    errors << "--${name}: '${s}' is not allowed (expected ${describe(spec)})".toString()
                    return s
                }
                if (spec.pattern != null && !(s ==~ spec.pattern)) {
                    errors << "--${name}: '${s}' does not match ${spec.pattern}".toString()
                    return s
                }
                return spec.format ? checkPath(name, s, spec, launchDir, errors) : s
            default:
                return value
        }
    }

    private static Object checkPath(String name, String s, Map spec, Path launchDir, List<String> errors) {
        Path p = launchDir.resolve(s).normalize()
        if (spec.exists) {
            if (!Files.exists(p)) {
                errors << "--${name}: ${s}: no such ${spec.format == 'directory-path' ? 'directory' : 'file'}".toString()
            } else if (spec.format == 'directory-path' && !Files.isDirectory(p)) {
                errors << "--${name}: ${s}: is a file, expected a directory".toString()
            } else if (spec.format == 'file-path' && Files.isDirectory(p)) {
                errors << "--${name}: ${s}: is a directory, expected a file".toString()
            }
        } else if (spec.format == 'directory-path' && Files.exists(p) && !Files.isDirectory(p)) {
            errors << "--${name}: ${s}: is a file, expected a directory".toString()
        }
        return p.toString()
    }

    /** minimum, exclusiveMinimum, maximum, exclusiveMaximum: one line for the first bound a value breaks. */
    private static void checkBounds(String name, Number n, Map spec, List<String> errors) {
        BigDecimal v = new BigDecimal(n.toString())
        if (spec.minimum != null && v < (spec.minimum as BigDecimal)) {
            errors << "--${name}: ${n} is below the minimum ${spec.minimum}".toString()
        } else if (spec.exclusiveMinimum != null && v <= (spec.exclusiveMinimum as BigDecimal)) {
            errors << "--${name}: ${n} is not above ${spec.exclusiveMinimum} (expected ${describe(spec)})".toString()
        } else if (spec.maximum != null && v > (spec.maximum as BigDecimal)) {
            errors << "--${name}: ${n} is above the maximum ${spec.maximum}".toString()
        } else if (spec.exclusiveMaximum != null && v >= (spec.exclusiveMaximum as BigDecimal)) {
            errors << "--${name}: ${n} is not below ${spec.exclusiveMaximum} (expected ${describe(spec)})".toString()
        }
    }

    // --- conversions --------------------------------------------------------------------------------------

    /** A YAML/JSON list as is; a string split on commas (blank entries dropped); any other single value. */
    static List asList(Object value) {
        if (value instanceof Collection) return new ArrayList((Collection) value)
        if (value instanceof CharSequence) {
            return value.toString().split(',').collect { it.trim() }.findAll { !it.isEmpty() }
        }
        return [value]
    }

    private static Long asInteger(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short) return ((Number) value).longValue()
        if (value instanceof BigInteger) return ((BigInteger) value).longValue()
        if ((value instanceof Double || value instanceof Float || value instanceof BigDecimal)) {
            BigDecimal d = new BigDecimal(value.toString())
            return d.stripTrailingZeros().scale() <= 0 ? d.longValueExact() : null
        }
        if (value instanceof CharSequence && value.toString().trim() ==~ /[+-]?\d{1,18}/) return value.toString().trim().toLong()
        return null
    }

    private static BigDecimal asNumber(Object value) {
        if (value instanceof Number) return new BigDecimal(value.toString())
        try {
            return value instanceof CharSequence ? new BigDecimal(value.toString().trim()) : null
        } catch (NumberFormatException ignored) {
            return null
        }
    }

    private static String kind(Object value) {
        value instanceof Number ? 'number' : value instanceof Boolean ? 'boolean' : value instanceof Collection ? 'list' : value.getClass().simpleName
    }

    private static String describe(Map spec) {
        if (spec.enum != null) return 'one of ' + ((List) spec.enum).collect { it == '' ? "''" : it }.join(', ')
        if (spec.type == 'array') return "a list or comma-separated string of ${describe((Map) spec.items ?: [type: 'string'])}s"
        if (spec.format == 'file-path') return 'a file path'
        if (spec.format == 'directory-path') return 'a directory path'
        List<String> bounds = []
        if (spec.minimum != null) bounds << ">= ${spec.minimum}".toString()
        if (spec.exclusiveMinimum != null) bounds << "> ${spec.exclusiveMinimum}".toString()
        if (spec.maximum != null) bounds << "<= ${spec.maximum}".toString()
        if (spec.exclusiveMaximum != null) bounds << "< ${spec.exclusiveMaximum}".toString()
        return bounds ? "${spec.type} ${bounds.join(' and ')}".toString() : "${spec.type}"
    }

    // --- names --------------------------------------------------------------------------------------------

    /**
     * Nextflow stores a command-line --foo-bar twice, as foo-bar and as fooBar: the camelCase copy of a
     * reported kebab-case name is not reported again.
     */
    private static boolean isCamelCopy(String name, Map params) {
        String kebab = name.replaceAll(/([A-Z])/, '-$1').toLowerCase()
        return kebab != name && params.containsKey(kebab)
    }

    private static String suggest(String name, Set<String> known) {
        String snake = name.replaceAll(/([A-Z])/, '_$1').toLowerCase().replace('-', '_')
        if (known.contains(snake)) {
            return "did you mean --${snake}? parameter names use underscores"
        }
        String best = known.min { distance(name.toLowerCase(), it.toLowerCase()) }
        if (best != null && distance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, name.length().intdiv(3))) {
            return "did you mean --${best}?"
        }
        return "known: " + known.sort().collect { "--${it}" }.join(' ')
    }

    private static int distance(String a, String b) {
        int[] prev = (0..b.length()) as int[]
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1]
            cur[0] = i
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost)
            }
            prev = cur
        }
        return prev[b.length()]
    }
}
