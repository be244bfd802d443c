/*
 * INTERVENE: the causal checks of one group's table model's roles (METHOD §7; docs/interventions.md): entropy
 * candidates with their activation fixed, attention-deactivation candidates with their output removed from their BOS
 * head's queries, prediction and suppression neurons zero-ablated, each against seeded random neurons, on the
 * analysis shards (--max-tokens caps the tokens) -> interventions/entropy.csv, attention.csv, attention_points.h5,
 * prediction.csv. Tool: org.uneurons.intervene.InterveneTool (java-tasks/intervene). Label process_gpu: under
 * -profile gpu the task gets a GPU and runs its forward passes there. meta: id (the group), model (its table model),
 * memory_mb, native_mb (the plan's request: the model and one batch's runs beside the heap, lib/PlanCosts.groovy;
 * conf/base.config). Options: --top-k, --random, --max-tokens, --after-pos, --batch-size.
 */
process INTERVENE {
    tag "${meta.id}"
    label 'process_low'
    label 'process_gpu'

    input:
    tuple val(meta), path(checkpoint), path(roles, stageAs: 'roles/*'), path(shards, stageAs: 'shards/*')
    path jar

    output:
    tuple val(meta), path('interventions'), emit: interventions
    path 'versions.yml'                   , emit: versions
    path 'timing.tsv'                     , emit: timing

    script:
    def args = task.ext.args ?: ''
    """
    mkdir -p interventions
    ${TaskCommand.run(task, jar, 'org.uneurons.intervene.InterveneTool', meta.id)} \\
        ${TaskCommand.named('--checkpoint', meta.model, checkpoint)} \\
        --roles ${roles}/roles.csv \\
        ${TaskCommand.repeat('--shard', shards)} \\
        ${TaskCommand.device(task, args)} \\
        ${args} \\
        --outdir interventions
    """

    stub:
    """
    ${TaskCommand.stub(task, 'intervene')}
    echo "intervene checkpoint: ${meta.model} ${checkpoint}, roles ${roles}/roles.csv, shards ${TaskCommand.asList(shards).join(' ')}"
    mkdir -p interventions
    echo "${meta.id} ${meta.model}" > interventions/entropy.csv # which group's, for the stub tests of the DAG's order
    touch interventions/attention.csv interventions/attention_points.h5 interventions/prediction.csv
    """
}
