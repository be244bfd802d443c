/**
 * A study: universality on a grid of models, within each (size, step) cell (docs/dynamics.md). The models are
 * described by (seed, step) and optionally size, either trained by the demo (params.study_steps and/or
 * params.study_widths: every width x seed is one TRAIN task that saves checkpoints at params.train_save_steps, and
 * the study analyses some of them) or given by a samplesheet with seed and step columns (params.model_grid, filled
 * by lib/ParamsValidator.groovy from the sheet).
 *
 * Within a cell the anchor is the anchor seed's checkpoint at that step (the demo's seed 1, the sheet's first row's
 * seed), correlated with the other seeds at the same step; the demo's random-init control of each width (one TRAIN
 * task at --steps 0) is correlated with the same seeds at every step. Cells share nothing but their inputs: a
 * step added to a study adds cells, and -resume re-runs only theirs (TRAIN does not depend on study_steps, only on
 * the steps it saves).
 *
 * Names: demo models w<width>-seed<i>-step<t>, controls w<width>-control, TRAIN runs w<width>-seed<i>; cells
 * <size>-step<t> (sheet without sizes: step<t>), whose control group is <cell>-control. Plain Groovy (PlanTest).
 */
class StudyGrid {

    /** Cells in order (sizes in their given order, steps ascending): [id, size, step, anchor, trained, control]. */
    final List<Map> cells
    /** Every trained model of the grid (cell by cell), and the controls (one per size, demo only). */
    final List<String> trained
    final List<String> controls
    /** Per model: [seed, step, size] and, in the demo, d_model and d_mlp of its width. */
    final Map<String, Map> models
    /** Demo: one TRAIN task per width x seed, and one per control: [id, seed, control, d_model, d_mlp, saves, outputs]. */
    final List<Map> trainRuns

    private StudyGrid(List<Map> cells, Map<String, Map> models, List<Map> trainRuns) {
        this.cells = cells.asImmutable()
        this.models = models.asImmutable()
        this.trainRuns = trainRuns.asImmutable()
        trained = cells.collectMany { it.trained as List<String> }.asImmutable()
        controls = cells.collect { it.control }.findAll { it != null }.unique().asImmutable()
    }

    /** The study of a run, or null when the run is not one (validated params). */
    static StudyGrid of(Map p) {
        if (!p.models) {
            return (p.study_steps || p.study_widths) ? demo(p) : null
        }
        return p.model_grid ? sheet(p) : null
    }

    /** The steps a demo study's TRAIN saves: train_save_steps, or every power of two below train_steps, and train_steps. */
    static List<Integer> saveSteps(Map p) {
        int total = p.train_steps as int
        if (p.train_save_steps) {
            return ((p.train_save_steps as List).collect { it as int } as Set).sort()
        }
        List<Integer> out = []
        for (int s = 1; s < total; s *= 2) out << s
        out << total
        out
    }

    /** The steps a demo study analyses: study_steps, or train_steps alone. */
    static List<Integer> studySteps(Map p) {
        p.study_steps ? ((p.study_steps as List).collect { it as int } as Set).sort() : [p.train_steps as int]
    }

    /** The widths (d_model) of a demo study: study_widths in their order, or d_model alone. */
    static List<Integer> widths(Map p) {
        p.study_widths ? (p.study_widths as List).collect { it as int }.unique() : [p.d_model as int]
    }

    private static StudyGrid demo(Map p) {
        List<Integer> steps = studySteps(p), saves = saveSteps(p)
        int seeds = p.seeds as int
        List<Map> cells = [], runs = []
        Map<String, Map> models = [:]
        widths(p).each { int w ->
            String size = "w${w}"
            int dMlp = (int) ((p.d_mlp as long) * w / (p.d_model as long))
            String control = p.control ? "${size}-control".toString() : null
            (1..seeds).each { int i ->
                List outputs = steps.collect { int t -> [t, modelName(size, i, t)] }
                runs << [id: "${size}-seed${i}".toString(), seed: i, control: 0, d_model: w, d_mlp: dMlp,
                         saves: saves, outputs: outputs]
                outputs.each { t, name -> models[name] = [seed: i, step: t, size: size, d_model: w, d_mlp: dMlp] }
            }
            if (control) {
                runs << [id: control, seed: p.control_seed as int, control: 1, d_model: w, d_mlp: dMlp, saves: [],
                         outputs: []]
                models[control] = [seed: p.control_seed as int, step: 0, size: size, d_model: w, d_mlp: dMlp]
            }
            steps.each { int t ->
                cells << [id: "${size}-step${t}".toString(), size: size, step: t, anchor: modelName(size, 1, t),
                          trained: (1..seeds).collect { modelName(size, it as int, t) }, control: control]
            }
        }
        new StudyGrid(cells, models, runs)
    }

    static String modelName(String size, int seed, int step) {
        "${size}-seed${seed}-step${step}".toString()
    }

    /**
     * A samplesheet study: params.model_names and params.model_grid ([seed, step, size] per checkpoint, size '' when
     * the sheet has no size column). The anchor seed is the first row's; every cell needs it and one other seed.
     */
    private static StudyGrid sheet(Map p) {
        List<String> names = p.model_names as List<String>
        List<Map> grid = p.model_grid as List<Map>
        Map<String, Map> models = [:]
        names.eachWithIndex { String n, int i -> models[n] = grid[i] }
        int anchorSeed = grid[0].seed as int
        List<String> sizes = grid.collect { it.size as String }.unique()
        List<Map> cells = []
        sizes.each { String size ->
            List<Integer> steps = grid.findAll { it.size == size }.collect { it.step as int }.unique().sort()
            steps.each { int t ->
                List<String> in_ = names.findAll { models[it].size == size && (models[it].step as int) == t }
                String id = size ? "${size}-step${t}".toString() : "step${t}".toString()
                String anchor = in_.find { (models[it].seed as int) == anchorSeed }
                if (anchor == null) {
                    throw new IllegalArgumentException("--models: study cell ${id} has no checkpoint of the anchor seed ${anchorSeed} (the first row's seed); every (size, step) needs it")
                }
                if (in_.size() < 2) {
                    throw new IllegalArgumentException("--models: study cell ${id} has only ${anchor}; every (size, step) needs the anchor seed and at least one other seed")
                }
                cells << [id: id, size: size, step: t, anchor: anchor, trained: [anchor] + (in_ - anchor), control: null]
            }
        }
        new StudyGrid(cells, models, [])
    }
}
