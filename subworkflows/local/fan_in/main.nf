/*
 * The pipeline's fan-ins, in one place. Results must never depend on the order in which tasks complete, so:
 *
 *   fanIn(items, by)     the keyed fan-in: items [meta, value]; by(meta) returns [key, size, order]. Emits one
 *                        [key, metas, values] per key as soon as its `size` items have arrived (groupKey: no
 *                        waiting for the whole channel), metas and values sorted by `order`.
 *   collectSorted(ch, order)  every item of a channel, once it is complete, as one list sorted by order(item).
 *   sortedFiles(files)   a process output of one or several files as a new list sorted by file name.
 *
 * Never sort a process output in place: Nextflow may be iterating it at the same time (e.g. while caching the
 * task: ConcurrentModificationException); these sort copies.
 */

def fanIn(items, Closure by) {
    items
        .map { meta, value ->
            def (key, size, order) = by(meta)
            [groupKey(key, size as int), [order, meta, value]]
        }
        .groupTuple()
        .map { key, entries ->
            def sorted = entries.sort(false) { it[0] }
            [key.getGroupTarget(), sorted.collect { it[1] }, sorted.collect { it[2] }]
        }
}

def collectSorted(ch, Closure order) {
    ch.toList().map { list -> list.sort(false) { order(it) } }
}

def sortedFiles(files) {
    (files instanceof Collection ? files as List : [files]).sort(false) { it.name }
}
