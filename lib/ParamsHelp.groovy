import groovy.json.JsonSlurper

import java.nio.file.Path

/**
 * What the pipeline says about its parameters, from nextflow_schema.json (the one description of them): the text of
 * `--help` (every parameter by group, with its type, default and description) and, at the start of a run, the params
 * that differ from their defaults.
 */
class ParamsHelp {
    static final int WIDTH = 118

    /** The --help text: usage, then per group of the schema its parameters, each with type, default and description. */
    static String text(Path schemaFile, String version) {
        Map schema = new JsonSlurper().parse(schemaFile.toFile()) as Map
        StringBuilder sb = new StringBuilder()
        sb << "universal-neurons ${version}: ${schema.description ?: schema.title}\n\n"
        sb << "Usage:  ./nextflow run main.nf [-profile test|gpu|slurm|docker|podman|apptainer] [-params-file x.yaml] [--NAME VALUE ...]\n"
        sb << "        ./nextflow run main.nf --help\n"
        sb << "Without --models the run is the demo (it trains its own seeds). Docs: README.md, docs/usage.md.\n"
        groups(schema).each { String title, Map<String, Map> props ->
            sb << "\n${title}:\n"
            props.each { String name, Map spec ->
                String head = "  --${name} ${kind(spec)}"
                String dflt = spec.containsKey('default') ? " [default: ${show(spec.default)}]" : ''
                sb << head << dflt << '\n'
                wrap(spec.description?.toString() ?: '', WIDTH - 6).each { sb << '      ' << it << '\n' }
            }
        }
        sb.toString()
    }

    /**
     * docs/parameters.md: every parameter by group as Markdown tables, from the schema alone (tools/params-doc.sh
     * writes it; tests/lib/PlanTest.groovy fails when the file and the schema drift apart).
     */
    static String markdown(Path schemaFile) {
        Map schema = new JsonSlurper().parse(schemaFile.toFile()) as Map
        StringBuilder sb = new StringBuilder('# Parameters\n\n')
        sb << 'Generated from `nextflow_schema.json` by `tools/params-doc.sh` (do not edit by hand: a test fails when this\n'
        sb << 'file and the schema differ). `./nextflow run main.nf --help` prints the same. How to set them: usage.md.\n'
        groups(schema).each { String title, Map<String, Map> props ->
            sb << "\n## ${title}\n\n| parameter | type | default | description |\n|---|---|---|---|\n"
            props.each { String name, Map spec ->
                String dflt = spec.containsKey('default') ? show(spec.default) : '(none)'
                sb << "| `${name}` | `${cell(kind(spec))}` | ${cell(dflt)} | ${cell(spec.description?.toString() ?: '')} |\n"
            }
        }
        sb.toString()
    }

    /** Text for a Markdown table cell: pipes escaped, no line breaks. */
    private static String cell(String s) {
        s.replace('|', '\\|').replace('\n', ' ')
    }

    /** "KEY=VALUE" of the given params that differ from the schema's defaults (null and empty alike), sorted. */
    static List<String> nonDefaults(Map params, Path schemaFile) {
        Map schema = new JsonSlurper().parse(schemaFile.toFile()) as Map
        Map<String, Map> props = [:]
        groups(schema).values().each { props.putAll(it) }
        props.findAll { name, spec -> params.containsKey(name) }.findAll { name, spec ->
            def v = unset(params.get(name)) ? null : params.get(name)
            def d = unset(spec.default) ? null : spec.default
            !(v == d || (v != null && d != null && show(v) == show(d)))
        }.collect { name, spec -> "${name}=${show(params.get(name))}".toString() }.sort()
    }

    /** The line a run starts with: "params not at their defaults: a=1, b=x" (or none). */
    static String nonDefaultsLine(Map params, Path schemaFile) {
        List<String> changed = nonDefaults(params, schemaFile)
        "params not at their defaults: ${changed ? changed.join(', ') : 'none'}"
    }

    /** Title -> properties, in the order of allOf (the schema's groups). */
    static Map<String, Map<String, Map>> groups(Map schema) {
        Map<String, Map<String, Map>> out = [:]
        List refs = (schema.allOf ?: []).collect { it['$ref'].toString().tokenize('/').last() }
        Map defs = schema['$defs'] as Map
        (refs ?: defs.keySet() as List).each { String key ->
            Map g = defs[key] as Map
            out[(g.title ?: key).toString()] = (g.properties ?: [:]) as Map<String, Map>
        }
        out
    }

    private static String kind(Map spec) {
        if (spec.enum) return (spec.enum as List).join('|')
        String t = spec.type instanceof List ? (spec.type as List).join('|') : (spec.type ?: 'string').toString()
        if (spec.format) t = spec.format.toString()
        if (spec.uniqueItems) t += ' of distinct items'
        List bounds = []
        if (spec.containsKey('minimum')) bounds << ">= ${spec.minimum}"
        if (spec.containsKey('exclusiveMinimum')) bounds << "> ${spec.exclusiveMinimum}"
        if (spec.containsKey('maximum') && (spec.maximum as BigDecimal) < 2147483647) bounds << "<= ${spec.maximum}"
        if (spec.containsKey('exclusiveMaximum')) bounds << "< ${spec.exclusiveMaximum}"
        "<${t}${bounds ? ' ' + bounds.join(', ') : ''}>"
    }

    /** null, an empty string and an empty list all mean "not set". */
    private static boolean unset(v) {
        v == null || (v instanceof CharSequence && v.toString().isEmpty()) || (v instanceof Collection && v.isEmpty())
    }

    private static String show(v) {
        if (v == null) return '(none)'
        String s = v instanceof List ? (v as List).join(',') : v.toString()
        s.isEmpty() ? '(empty)' : s
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = []
        StringBuilder line = new StringBuilder()
        text.split(/\s+/).each { String w ->
            if (line.length() > 0 && line.length() + 1 + w.length() > width) {
                lines << line.toString()
                line.setLength(0)
            }
            line << (line.length() > 0 ? ' ' : '') << w
        }
        if (line.length() > 0) lines << line.toString()
        lines
    }
}
