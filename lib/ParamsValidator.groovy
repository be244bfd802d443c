import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.node.JsonNodeFactory
import com.networknt.schema.Error as SchemaError
import com.networknt.schema.InputFormat
import com.networknt.schema.Schema
import com.networknt.schema.SchemaLocation
import com.networknt.schema.SchemaRegistry
import com.networknt.schema.dialect.Dialect
import com.networknt.schema.dialect.Dialects
import com.networknt.schema.keyword.DisallowUnknownKeywordFactory
import com.networknt.schema.keyword.NonValidationKeyword
import groovy.json.JsonSlurper

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths

/**
 * Checks a run's params against nextflow_schema.json before any task starts, and returns them normalised.
 *
 * The JSON Schema keywords (type, also a list of types; enum, pattern, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, minItems, uniqueItems, items, required, allOf with $ref, and every other keyword of draft 2020-12)
 * are checked by com.networknt:json-schema-validator (lib/*.jar, which ./nextflow fetches with
 * tools/json-schema/pom.xml). This class prepares the params for it, turns its errors into the pipeline's one-line
 * messages, and adds what a JSON Schema validator does not know:
 *  - unknown names, with a suggestion (a misspelt or kebab-case name). Not unevaluatedProperties: false, because
 *    a group with an invalid value then drops every name it declares (JSON Schema keeps no annotations of a failed
 *    subschema), and each would be reported as unknown too;
 *  - the project's keywords, declared to the library as non-validating (any other keyword it does not know is an
 *    error when the schema is loaded, so a misspelt keyword cannot go unenforced): format file-path, directory-path
 *    or path with exists: true (nf-schema's keywords); uniqueBasenames on an array of paths (two entries with the
 *    same directory name: names identify models in outputs); samplesheet: KEY on an array of directories, which then
 *    also takes one .csv file with the columns name,path (lib/Samplesheet.groovy) and stores the names in the
 *    normalised params under KEY (the directory names when a list is given);
 *  - rules that tie several params together (combinations), checked once every param is valid on its own.
 *
 * Before the library sees them, values are coerced to the schema's type (with a list of types, the first one the
 * value fits, in the listed order): integers given as strings ("64") become Integer (Long beyond 32 bits), numbers
 * BigDecimal, "true"/"false" Boolean, an array given as a comma-separated string ("a,b") a List; a value that fits no
 * type is left as it is for the library to refuse. null, and an empty string where neither a string nor a path is
 * expected, mean unset. Paths become absolute strings. Every problem is one line "--name: what is wrong (expected
 * ...)", at most one per value; all of them are reported together.
 */
class ParamsValidator {

    /** Thrown with one line per problem; main.nf turns it into the run's error message. */
    static class InvalidParamsException extends RuntimeException {
        InvalidParamsException(String message) { super(message) }
    }

    /** The schema keywords of this project: no JSON Schema meaning, checked here after the library. */
    static final List<String> PROJECT_KEYWORDS = ['exists', 'uniqueBasenames', 'samplesheet']

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true)
    private static final Map<String, Schema> COMPILED = [:]
    private static final Object NO_FIT = new Object()

    /** Validates params (a Map) against the schema file; returns the normalised params or throws. */
    static Map validate(Map params, Path schemaFile, Path launchDir) {
        Map<String, Map> props = properties(schemaFile)
        Map<String, List<String>> problems = props.keySet().collectEntries { [it, []] }
        Map instance = [:]            // the set params, coerced: what the library validates
        Map sheets = [:]              // params given as a samplesheet -> its names (Samplesheet checked its rows)
        List<Map> grid = null         // a study's samplesheet: [seed, step, size] per checkpoint
        props.each { String name, Map spec ->
            def value = params.get(name)
            if (unset(value, spec)) return
            if (spec.samplesheet && Samplesheet.isSheet(value)) {
                Map sheet = Samplesheet.read(name, asList(value)[0].toString(), launchDir)
                problems[name].addAll(sheet.errors)
                instance[name] = sheet.paths
                sheets[name] = sheet.names
                grid = sheet.grid
                return
            }
            instance[name] = coerce(value, spec)
        }
        schemaErrors(schemaFile, instance, props).each { List<String> e -> problems[e[0]] << e[1] }
        Map normalised = [:]
        props.each { String name, Map spec ->
            def value = instance.get(name)
            if (value == null || problems[name] || sheets.containsKey(name)) {
                normalised[name] = value
            } else {
                normalised[name] = projectKeywords(name, value, spec, launchDir, problems[name])
            }
            if (spec.samplesheet && value != null) {
                normalised[spec.samplesheet] = sheets.containsKey(name) ? sheets[name] : directoryNames(name, normalised[name], problems[name])
            }
        }
        normalised.model_grid = grid
        List<String> errors = unknownNames(params, props.keySet()) + (List<String>) problems.values().flatten()
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
        errors.addAll(studyRules(p))
        if (p.baseline != 'both' && p.baseline_kind != null && p.baseline != null && p.baseline != p.baseline_kind) {
            errors << "--baseline_kind: ${p.baseline_kind} is not computed by --baseline ${p.baseline} (set both alike, or --baseline both)".toString()
        }
        return errors
    }

    /** A study's rules (lib/StudyGrid.groovy): demo params only in the demo, steps TRAIN saves, widths that fit. */
    static List<String> studyRules(Map p) {
        List<String> errors = []
        boolean demoStudy = p.study_steps || p.study_widths
        if (p.models) {
            ['study_steps', 'study_widths', 'train_save_steps'].findAll { p[it] }.each {
                errors << "--${it}: the demo's study; a study of given checkpoints takes seeds and steps (and sizes) from a samplesheet with the columns name,path,seed,step[,size]".toString()
            }
            if (p.model_grid && p.pairs == 'all') {
                errors << "--pairs: 'all' is not available in a study (each cell correlates its anchor with the other seeds); use --pairs anchor"
            }
            return errors
        }
        if (!demoStudy) return errors
        if (p.pairs == 'all') {
            errors << "--pairs: 'all' is not available in a study (each cell correlates its anchor with the other seeds); use --pairs anchor"
        }
        int total = p.train_steps as int
        List<Integer> beyond = ((p.train_save_steps ?: []) as List).collect { it as int }.findAll { it > total }
        if (beyond) {
            errors << "--train_save_steps: ${beyond.join(', ')} beyond train_steps ${total}".toString()
        }
        List<Integer> saves = StudyGrid.saveSteps(p)
        List<Integer> unsaved = ((p.study_steps ?: []) as List).collect { it as int }.findAll { !(it in saves) }
        if (unsaved && !beyond) {
            String list = saves.size() > 12 ? "${saves.take(6).join(', ')}, ..., ${saves.last()}" : saves.join(', ')
            errors << "--study_steps: ${unsaved.join(', ')} not among the steps TRAIN saves (${list}); add ${unsaved.size() == 1 ? 'it' : 'them'} to --train_save_steps (or set train_steps to the step)".toString()
        }
        ((p.study_widths ?: []) as List).collect { it as int }.each { int w ->
            if (p.n_head != null && w % (p.n_head as int) != 0) {
                errors << "--study_widths: n_head ${p.n_head} does not divide width ${w}".toString()
            } else if (((p.d_mlp as long) * w) % (p.d_model as long) != 0) {
                errors << "--study_widths: width ${w} gives d_mlp ${p.d_mlp} x ${w} / ${p.d_model}, not a whole number".toString()
            }
        }
        errors
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

    /**
     * The schema file loaded by the library (once per content): draft 2020-12, whose keywords it enforces, plus the
     * project's keywords; any other keyword is refused, so every keyword of the schema is known to be checked.
     */
    static Schema compiled(Path file) {
        String text = file.text
        String key = file.toAbsolutePath().toString() + '\n' + text
        synchronized (COMPILED) {
            Schema s = COMPILED[key]
            if (s == null) {
                Dialect.Builder dialect = Dialect.builder(Dialects.getDraft202012())
                    .unknownKeywordFactory(DisallowUnknownKeywordFactory.getInstance())
                PROJECT_KEYWORDS.each { dialect.keyword(new NonValidationKeyword(it)) }
                // located at the file, against which the schema's relative $id resolves
                s = SchemaRegistry.withDialect(dialect.build()).getSchema(SchemaLocation.of(file.toUri().toString()), text, InputFormat.JSON)
                COMPILED[key] = s
            }
            return s
        }
    }

    /** The library's errors as [name, line], at most one per value (a param, or one item of a list param). */
    private static List<List<String>> schemaErrors(Path schemaFile, Map instance, Map<String, Map> props) {
        Map<String, List<String>> byValue = [:]
        compiled(schemaFile).validate(node(instance)).each { SchemaError e ->
            def at = e.instanceLocation
            String name = at.nameCount > 0 ? at.getName(0) : e.property
            Integer index = at.nameCount > 1 && at.getElement(1) instanceof Integer ? (Integer) at.getElement(1) : null
            String key = index == null ? name : "${name}/${index}"
            if (!byValue.containsKey(key)) {
                byValue[key] = [name, message(e, name, index, instance, props)]
            }
        }
        return byValue.values() as List
    }

    /** One library error in the pipeline's words: the param, the value given and what was expected. */
    private static String message(SchemaError e, String name, Integer index, Map instance, Map<String, Map> props) {
        Map spec = index == null ? props[name] : ((Map) props[name].items ?: [:])
        def value = index == null ? instance[name] : ((List) instance[name])[index]
        String at = "--${name}: "
        switch (e.keyword) {
            case 'required': return "${at}missing (expected ${describe(spec)})"
            case 'type': return at + typeMismatch(value, spec)
            case 'enum': return "${at}'${show(value)}' is not allowed (expected ${describe(spec)})"
            case 'pattern': return "${at}'${value}' does not match ${spec.pattern}"
            case 'minimum': return "${at}${value} is below the minimum ${spec.minimum}"
            case 'maximum': return "${at}${value} is above the maximum ${spec.maximum}"
            case 'exclusiveMinimum': return "${at}${value} is not above ${spec.exclusiveMinimum} (expected ${describe(spec)})"
            case 'exclusiveMaximum': return "${at}${value} is not below ${spec.exclusiveMaximum} (expected ${describe(spec)})"
            case 'minItems': return "${at}needs at least ${spec.minItems} item(s), got ${((List) value).size()}"
            case 'uniqueItems':
                List items = (List) value
                List repeated = items.findAll { x -> items.count(x) > 1 }.unique()
                return "${at}'${show(value)}' repeats ${repeated.collect { show(it) }.join(', ')} (expected distinct items)"
            default: // a keyword the schema does not use yet: the library's own words
                return "${at}'${show(value)}' ${e.message}"
        }
    }

    private static String typeMismatch(Object value, Map spec) {
        List<String> types = typesOf(spec)
        if (types == ['boolean']) return "'${value}' is not a boolean (expected true or false)"
        if (types == ['string']) return "'${show(value)}' is a ${kind(value)}, expected ${describe(spec)}"
        String names = types.collect { (it in ['integer', 'array', 'object'] ? 'an ' : it == 'null' ? '' : 'a ') + it }.join(' or ')
        return "'${show(value)}' is not ${names} (expected ${describe(spec)})"
    }

    // --- the project's keywords ---------------------------------------------------------------------------

    /** format/exists and uniqueBasenames of a value the library accepted; returns it with absolute paths. */
    private static Object projectKeywords(String name, Object value, Map spec, Path launchDir, List<String> errors) {
        if (value instanceof List) {
            Map itemSpec = (Map) spec.items ?: [:]
            List out = value.collect { projectKeywords(name, it, itemSpec, launchDir, errors) }
            if (spec.uniqueBasenames) {
                def names = out.collect { Paths.get(it.toString()).fileName.toString() }
                def dups = names.findAll { n -> names.count(n) > 1 }.unique()
                if (dups) {
                    errors << "--${name}: directory names must differ, they name the outputs (repeated: ${dups.join(', ')})".toString()
                }
            }
            return out
        }
        return value instanceof CharSequence && spec.format ? checkPath(name, value.toString(), spec, launchDir, errors) : value
    }

    /** The names of a list of directories (samplesheet: KEY given a list): each must be able to name files. */
    private static List directoryNames(String name, Object dirs, List<String> errors) {
        List names = asList(dirs).collect { Paths.get(it.toString()).fileName.toString() }
        names.unique(false).each { n -> String bad = Samplesheet.badName(n); if (bad) errors << "--${name}: directory ${bad}".toString() }
        return names
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

    // --- conversions --------------------------------------------------------------------------------------

    /** null, and an empty string where neither a string nor a path is expected: not set. */
    private static boolean unset(Object value, Map spec) {
        value == null || (value instanceof CharSequence && value.toString().isEmpty() && (!('string' in typesOf(spec)) || spec.format))
    }

    private static List<String> typesOf(Map spec) {
        def t = spec.type
        t instanceof List ? ((List) t).collect { it.toString() } : t != null ? [t.toString()] : []
    }

    /** The value as the first of the spec's types it fits (see the class comment), else as it is. */
    static Object coerce(Object value, Map spec) {
        for (String type : typesOf(spec)) {
            def fit = coerceTo(type, value, spec)
            if (!fit.is(NO_FIT)) return fit
        }
        return value
    }

    private static Object coerceTo(String type, Object value, Map spec) {
        switch (type) {
            case 'array':
                return asList(value).collect { coerce(it, (Map) spec.items ?: [:]) }
            case 'integer':
                Long n = asInteger(value)
                return n == null ? NO_FIT : (n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) ? n.intValue() : n
            case 'number':
                BigDecimal d = asNumber(value)
                return d == null ? NO_FIT : d
            case 'boolean':
                if (value instanceof Boolean) return value
                return value.toString() in ['true', 'false'] ? value.toString().toBoolean() : NO_FIT
            case 'string':
                return value instanceof CharSequence ? value.toString() : NO_FIT
            default:
                return NO_FIT
        }
    }

    /** The coerced params as the library's JSON tree (numbers exact: BigDecimal stays BigDecimal). */
    private static JsonNode node(Object v) {
        if (v == null) return NODES.nullNode()
        if (v instanceof Map) {
            def o = NODES.objectNode()
            ((Map) v).each { k, x -> o.set(k.toString(), node(x)) }
            return o
        }
        if (v instanceof Collection) {
            def a = NODES.arrayNode()
            ((Collection) v).each { a.add(node(it)) }
            return a
        }
        if (v instanceof Boolean) return NODES.booleanNode((Boolean) v)
        if (v instanceof BigDecimal) return NODES.numberNode((BigDecimal) v)
        if (v instanceof BigInteger) return NODES.numberNode((BigInteger) v)
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return NODES.numberNode(((Number) v).longValue())
        if (v instanceof Number) return NODES.numberNode(((Number) v).doubleValue())
        return NODES.textNode(v.toString())
    }

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
        if (value instanceof Boolean) return null
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

    /** A value in a message: a list as its comma-separated items. */
    private static String show(Object value) {
        value instanceof Collection ? ((Collection) value).join(',') : value.toString()
    }

    private static String describe(Map spec) {
        if (spec.enum != null) return 'one of ' + ((List) spec.enum).collect { it == '' ? "''" : it }.join(', ')
        List<String> types = typesOf(spec)
        if (types == ['array']) {
            return "a list or comma-separated string of ${describe((Map) spec.items ?: [type: 'string'])}s${spec.uniqueItems ? ', each once' : ''}"
        }
        if (spec.format == 'file-path') return 'a file path'
        if (spec.format == 'directory-path') return 'a directory path'
        List<String> bounds = []
        if (spec.pattern != null) bounds << "matching ${spec.pattern}".toString()
        if (spec.minimum != null) bounds << ">= ${spec.minimum}".toString()
        if (spec.exclusiveMinimum != null) bounds << "> ${spec.exclusiveMinimum}".toString()
        if (spec.maximum != null) bounds << "<= ${spec.maximum}".toString()
        if (spec.exclusiveMaximum != null) bounds << "< ${spec.exclusiveMaximum}".toString()
        String type = types ? types.join(' or ') : 'any value'
        return bounds ? "${type} ${bounds.join(' and ')}".toString() : type
    }

    // --- names --------------------------------------------------------------------------------------------

    /** "--name: unknown parameter (...)" for every param the schema does not declare. */
    private static List<String> unknownNames(Map params, Set<String> known) {
        params.keySet().collect { it.toString() }.findAll { name -> !known.contains(name) && !isCamelCopy(name, params) }
            .collect { name -> "--${name}: unknown parameter (${suggest(name, known)})".toString() }
    }

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
