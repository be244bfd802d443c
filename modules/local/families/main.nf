/*
 * FAMILIES: what one group's table model's most universal neurons respond to (METHOD §6). The group's universality
 * table (neurons.csv) chooses the neurons (the universal ones, or the top params.families_top_n by excess when none
 * is universal); the model runs over the analysis shards for those neurons only; the variance reduction of every
 * token, previous-token, position and sequence (NLP tag) feature, the best explanation, the paper's family rules and
 * clusters of the neurons' VR profiles -> families/families.csv and families.h5.
 * Tool: org.uneurons.families.FamiliesTool (java-tasks/families). Label process_gpu: under -profile gpu the task gets
 * a GPU (conf/gpu.config) and runs its forward passes there. Options: --top-n, --tagger, --batch-size.
 */
process FAMILIES {
    tag "${meta.id}"
    label 'process_low'
    label 'process_gpu'

    input:
    tuple val(meta), path(table, stageAs: 'table/*'), path(checkpoint), path(shards, stageAs: 'shards/*')
    path jar

    output:
    tuple val(meta), path('families'), emit: families
    path 'versions.yml'              , emit: versions
    path 'timing.tsv'                , emit: timing

    script:
    def args = task.ext.args ?: ''
    """
    mkdir -p families
    ${TaskCommand.run(task, jar, 'org.uneurons.families.FamiliesTool', meta.id)} \\
        --table ${table}/neurons.csv \\
        ${TaskCommand.named('--checkpoint', meta.model, checkpoint)} \\
        ${TaskCommand.repeat('--shard', shards)} \\
        ${TaskCommand.device(task, args)} \\
        ${args} \\
        --outdir families
    """

    stub:
    """
    ${TaskCommand.stub(task, 'families')}
    echo "families table: ${table}/neurons.csv, checkpoint ${checkpoint}, shards ${TaskCommand.asList(shards).join(' ')}"
    mkdir -p families
    touch families/families.csv families/families.h5
    """
}
