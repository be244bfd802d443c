/**
 * JVM options of a task, from its resources: the heap is 0.8 x task.memory (the rest is left for native
 * memory: PyTorch, ND4J, thread stacks), and the JVM sees task.cpus processors so thread pools fit the
 * task's share of the machine. bin/un-task adds -XX:+ExitOnOutOfMemoryError (exit 3, retried with more memory).
 */
class TaskJava {
    static final double HEAP_FRACTION = 0.8

    /** e.g. "-Xmx3276m -XX:ActiveProcessorCount=2"; empty parts are left out. */
    static String opts(task) {
        List<String> opts = []
        if (task.memory) {
            long heapMb = Math.max(64L, (long) (task.memory.toMega() * HEAP_FRACTION))
            opts << "-Xmx${heapMb}m".toString()
        }
        if (task.cpus) {
            opts << "-XX:ActiveProcessorCount=${task.cpus}".toString()
        }
        return opts.join(' ')
    }
}
