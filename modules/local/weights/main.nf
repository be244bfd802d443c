/*
 * WEIGHTS: one model's functional roles read from its TransformerLens-processed weights (METHOD §7; docs/roles.md):
 * prediction, suppression and partition neurons, entropy candidates (the share of w_out in W_U's bottom singular
 * subspace), attention-deactivation scores against every later head's BOS key -> roles/roles.csv,
 * roles/roles_layers.csv, roles/attention_scores.h5. One task per model (every seed and the control).
 * Tool: org.uneurons.weights.WeightsTool (java-tasks/weights). meta: id (the model's name), model, memory_mb,
 * native_mb (the plan's request: the processed float64 weights and the attention scores, lib/PlanCosts.groovy;
 * conf/base.config). Options: --null-k.
 */
process WEIGHTS {
    tag "${meta.id}"
    label 'process_low'

    input:
    tuple val(meta), path(checkpoint)
    path jar

    output:
    tuple val(meta), path('roles'), emit: roles
    path 'versions.yml'            , emit: versions
    path 'timing.tsv'              , emit: timing

    script:
    def args = task.ext.args ?: ''
    """
    mkdir -p roles
    ${TaskCommand.run(task, jar, 'org.uneurons.weights.WeightsTool', meta.id)} \\
        ${TaskCommand.named('--checkpoint', meta.model, checkpoint)} \\
        --threads ${task.cpus} \\
        ${args} \\
        --outdir roles
    """

    stub:
    """
    ${TaskCommand.stub(task, 'weights')}
    echo "weights checkpoint: ${meta.model} ${checkpoint}"
    mkdir -p roles
    echo "${meta.id}" > roles/roles.csv # which model's, for the stub tests of the DAG's order
    touch roles/roles_layers.csv roles/attention_scores.h5
    """
}
