/*
 * DYNAMICS: a study's universality against training step and model size (docs/dynamics.md). Every cell's
 * universality table (UNIVERSALITY's `table`, in plan.groups order) with its key SIZE,STEP,KIND (meta.tables, the
 * same order; KIND trained or control) -> dynamics/: curves.csv, layers.csv, trajectories.csv, onset.csv,
 * persistence.csv. Tool: org.uneurons.dynamics.DynamicsTool (java-tasks/dynamics).
 * Options: --threshold (the run's universal threshold).
 */
process DYNAMICS {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(tables, stageAs: 'tables/*/*')
    path jar

    output:
    tuple val(meta), path('dynamics'), emit: dynamics
    path 'versions.yml'              , emit: versions
    path 'timing.tsv'                , emit: timing

    script:
    def args = task.ext.args ?: ''
    def dirs = TaskCommand.asList(tables)
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.dynamics.DynamicsTool', meta.id)} \\
        ${[meta.tables, dirs].transpose().collect { key, dir -> "--table ${key}=${dir}/neurons.csv" }.join(' ')} \\
        ${args} \\
        --outdir dynamics
    """

    stub:
    """
    ${TaskCommand.stub(task, 'dynamics')}
    echo "dynamics tables: ${[meta.tables, TaskCommand.asList(tables)].transpose().collect { k, d -> "${k}=${d}" }.join(' ')}"
    mkdir dynamics
    touch dynamics/curves.csv dynamics/layers.csv dynamics/trajectories.csv dynamics/onset.csv dynamics/persistence.csv
    """
}
