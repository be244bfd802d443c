import java.nio.file.Files
import java.nio.file.Path

/**
 * The message at the end of a successful run: where the report is (and a study's curves), and each group's headline
 * numbers read from its published neurons.csv (mean excess correlation, universal neurons and their share).
 */
class RunEnd {
    static String message(Path outdir) {
        List<String> lines = []
        Path report = outdir.resolve('report/index.html')
        lines << (Files.exists(report) ? "report: ${report.toAbsolutePath().normalize()}".toString()
                                       : "no report was written under ${outdir}".toString())
        Path dynamics = outdir.resolve('dynamics/curves.csv')
        if (Files.exists(dynamics)) {
            lines << "study: universality against step and size in ${dynamics.parent.toAbsolutePath().normalize()} (docs/dynamics.md)".toString()
        }
        Path groups = outdir.resolve('universality')
        if (Files.isDirectory(groups)) {
            // the anchor's group first, then the others by name
            Files.list(groups).toList().sort(false) { Path g -> (g.fileName.toString() == 'trained' ? '0' : '1') + g.fileName }.each { Path g ->
                Path table = g.resolve('neurons.csv')
                if (Files.exists(table)) {
                    lines << "${g.fileName}: ${headline(table)}".toString()
                }
            }
        }
        lines.join('\n')
    }

    /** "N neurons, mean excess X, U universal (P%)" of a neurons.csv (columns excess_corr and is_universal). */
    static String headline(Path table) {
        List<String> rows = Files.readAllLines(table)
        if (rows.isEmpty()) return 'an empty neurons.csv'
        List<String> header = rows[0].split(',', -1) as List
        int e = header.indexOf('excess_corr'), u = header.indexOf('is_universal')
        if (e < 0 || u < 0) return "${table}: no excess_corr or is_universal column"
        double sum = 0
        int n = 0, universal = 0
        rows.drop(1).findAll { it }.each { String line ->
            List<String> f = line.split(',', -1) as List
            if (f[e]) {
                sum += f[e] as double
                n++
            }
            universal += f[u] in ['1', 'true', 'True'] ? 1 : 0
        }
        String share = n ? String.format(Locale.ROOT, '%.2f%%', 100.0 * universal / n) : '-'
        String mean = n ? String.format(Locale.ROOT, '%.4f', sum / n) : '-'
        "${n} neurons, mean excess correlation ${mean}, ${universal} universal (${share})"
    }
}
