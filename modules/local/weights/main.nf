/*
 * WEIGHTS: one model's functional roles read from its TransformerLens-processed weights (METHOD §7; docs/roles.md):
 * prediction, suppression and partition neurons, entropy candidates (the share of w_out in W_U's bottom singular
 * subspace), attention-deactivation scores against every later head's BOS key -> roles/roles.csv,
 * roles/roles_layers.csv, roles/attention_scores.h5. One task per model (every seed and the control).
 * Tool: org.uneurons.weights.WeightsTool (java-tasks/weights). Options: --null-k.
 */
process WEIGHTS {
    tag "${model}"
    label 'process_medium'

    input:
    tuple val(model), path(checkpoint)
    path jar

    output:
    tuple val(model), path('roles'), emit: roles
    path 'versions.yml'            , emit: versions
    path 'timing.tsv'              , emit: timing

    script:
    def args = task.ext.args ?: ''
    """
    mkdir -p roles
    ${TaskCommand.run(task, jar, 'org.uneurons.weights.WeightsTool', model)} \\
        ${TaskCommand.named('--checkpoint', model, checkpoint)} \\
        --threads ${task.cpus} \\
        ${args} \\
        --outdir roles
    """

    stub:
    """
    ${TaskCommand.stub(task, 'weights')}
    echo "weights checkpoint: ${model} ${checkpoint}"
    mkdir -p roles
    touch roles/roles.csv roles/roles_layers.csv roles/attention_scores.h5
    """
}
