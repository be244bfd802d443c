/**
 * The plumbing every module shares (modules/local/<task>/main.nf), so that a module's script holds only its
 * tool's arguments:
 *
 *   script:
 *   """
 *   ${TaskCommand.run(task, jar, 'org.uneurons.merge.MergeTool', meta.id)} \\
 *       ${TaskCommand.repeat('--input', partials)} \\
 *       --output ${prefix}.h5
 *   """
 *   stub:
 *   """
 *   ${TaskCommand.stub(task, 'merge')}
 *   touch ${prefix}.h5
 *   """
 *
 * run() gives the tool its JVM options (UN_JAVA_OPTS, lib/TaskJava.groovy: heap 0.8 x task.memory or the request less the planned native memory, task.cpus
 * processors), UN_TASK_PROCESS and UN_TASK_TAG, and starts it with bin/un-task. With UN_TASK_PROCESS set, the tool itself
 * (the Tool contract in java-tasks/core) appends its row to ./timing.tsv (process, tag, exit, wall_s, cpu_s,
 * peak_rss_mib) and writes ./versions.yml ("<process>":\n    <tool>: "<version>"): no second JVM, no sampler.
 * A stub runs no tool, so stub() writes both files itself: an empty timing.tsv and "<tool>: stub"; it prints the JVM
 * options the tool would have had ("java: -Xmx..."), so the stub tests see the memory a task was planned.
 */
class TaskCommand {

    /**
     * The start of the command that runs a tool in a task script, one line (so that Nextflow still strips the
     * script's indentation): the environment of the tool, then `un-task JAR MAIN`; the tool's arguments follow.
     */
    static String run(task, jar, String mainClass, tag) {
        "UN_JAVA_OPTS=${quote(TaskJava.opts(task))} UN_TASK_PROCESS=${quote(task.process)} UN_TASK_TAG=${quote(tag)} " +
            "un-task ${jar} ${mainClass}"
    }

    /**
     * What a stub does in place of the tool, one line: prints the tool's ext.args ("stub: ...") and JVM options
     * ("java: ..."), writes an empty timing.tsv and versions.yml naming the tool as a stub.
     */
    static String stub(task, String tool) {
        "echo ${quote('stub: ' + (task.ext.args ?: ''))}; echo ${quote('java: ' + TaskJava.opts(task))}; touch timing.tsv; " +
            "printf '%s:\\n    %s: stub\\n' ${quote('"' + task.process + '"')} ${quote(tool)} > versions.yml"
    }

    /** One option per file, e.g. "--input a.h5 --input b.h5"; a single file arrives as a Path, several as a list. */
    static String repeat(String option, files, boolean sortByName = false) {
        List list = asList(files)
        (sortByName ? list.sort(false) { it.name } : list).collect { "${option} ${it}" }.join(' ')
    }

    /**
     * Checkpoints with their model names: one option per directory, "--checkpoint models/1/seed1" when the directory
     * is named after its model, else "--checkpoint NAME=models/1/3f2a9c1e" (a samplesheet's name for a Hugging Face
     * snapshot directory). One name and one directory, or two lists in the same order. Names are plain words
     * (lib/Samplesheet.groovy checks them).
     */
    static String named(String option, names, dirs) {
        List n = names instanceof Collection ? names as List : [names]
        List d = asList(dirs)
        if (n.size() != d.size()) throw new IllegalArgumentException("${option}: ${n.size()} names for ${d.size()} directories")
        [n, d].transpose().collect { name, dir ->
            String base = dir.toString().tokenize('/').last()
            name.toString() == base ? "${option} ${dir}" : "${option} ${name}=${dir}"
        }.join(' ')
    }

    /** One command line that writes rows of strings as a tab-separated file (printf reuses its format per row). */
    static String tsv(String file, List<List> rows) {
        if (!rows) return ": > ${file}"
        int width = rows[0].size()
        "printf '${(['%s'] * width).join('\\t')}\\n' ${rows.collectMany { it.collect { quote(it.toString().replaceAll(/[\t\n]/, ' ')) } }.join(' ')} > ${file}"
    }

    /**
     * The --device option of a task that can run on a GPU (label process_gpu): ext.device when set, else gpu when
     * the task has an accelerator (profile gpu), else cpuDevice ('' leaves the tool's default). Nothing when the
     * ext.args already name a device.
     */
    static String device(task, String args, String cpuDevice = 'cpu') {
        if (args?.contains('--device')) return ''
        String d = task.ext.device ?: (task.accelerator ? 'gpu' : cpuDevice)
        d ? "--device ${d}" : ''
    }

    /** A process input of one or several files as a list: one file arrives as a Path (itself Iterable over its name parts). */
    static List asList(files) {
        files instanceof Collection ? new ArrayList(files) : [files]
    }

    /** A single-quoted shell word. */
    static String quote(value) {
        "'" + value.toString().replace("'", "'\\''") + "'"
    }
}
