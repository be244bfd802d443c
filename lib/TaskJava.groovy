/**
 * JVM options of a task, from its resources: the heap is 0.8 x task.memory (the rest is left for native
 * memory: PyTorch, ND4J, thread stacks), and the JVM sees task.cpus processors so thread pools fit the
 * task's share of the machine. The processes whose memory the plan computes (lib/PlanCosts.groovy) also know their
 * native memory (task.ext.native_mb): their heap is task.memory less that and JVM_OVERHEAD_MB, so a heap grown to its
 * limit still leaves the process inside task.memory (a scheduler that enforces the request never kills it).
 * bin/un-task adds -XX:+ExitOnOutOfMemoryError (exit 3, retried with more memory).
 */
class TaskJava {
    static final double HEAP_FRACTION = 0.8
    /** The JVM's own memory outside the heap: metaspace, code cache, thread stacks, the collector's tables. */
    static final long JVM_OVERHEAD_MB = 512

    /** e.g. "-Xmx3276m -XX:ActiveProcessorCount=2"; empty parts are left out. */
    static String opts(task) {
        List<String> opts = []
        if (task.memory) {
            long memoryMb = task.memory.toMega()
            def nativeMb = task.ext.native_mb
            long heapMb = Math.max(64L, nativeMb != null ? memoryMb - (nativeMb as long) - JVM_OVERHEAD_MB
                                                        : (long) (memoryMb * HEAP_FRACTION))
            opts << "-Xmx${heapMb}m".toString()
        }
        if (task.cpus) {
            opts << "-XX:ActiveProcessorCount=${task.cpus}".toString()
        }
        return opts.join(' ')
    }
}
