import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes assets/demo/ids.npy, the token ids of the default run: a NumPy .npy (format 1.0) holding a 1-D int32
 * array of N ids in [1, VOCAB), drawn from a seeded Zipf distribution (a few frequent ids, a long tail, like
 * real text). VOCAB = 900 so that every fixture model in java-tasks/testdata/hf can read the ids (gpt2-tiny has
 * a vocabulary of 1000, neox-tiny 900). Id 0 never occurs: the pipeline's defaults use it as the BOS id that
 * starts every row (--bos_id 0).
 *
 * Regenerate (Java 17, no dependencies; same output every time):
 *   java assets/demo/MakeDemoIds.java assets/demo/ids.npy
 */
public final class MakeDemoIds {
    // 64 rows of BOS + 63 ids at ctx 64: 4 full shards of 16 rows with the default params
    static final int N = 64 * 63;
    static final int VOCAB = 900;
    static final double ZIPF_EXPONENT = 1.1;
    static final long SEED = 20240117L;

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "assets/demo/ids.npy");
        Files.write(out, npyInt32(ids()));
        System.err.println("wrote " + out + ": " + N + " int32 ids in [1, " + VOCAB + ")");
    }

    /** N ids; id k (1 <= k < VOCAB) has probability proportional to 1 / k^s. */
    static int[] ids() {
        double[] cdf = new double[VOCAB];
        double total = 0;
        for (int k = 1; k < VOCAB; k++) {
            total += 1.0 / Math.pow(k, ZIPF_EXPONENT);
            cdf[k] = total;
        }
        Random random = new Random(SEED);
        int[] ids = new int[N];
        for (int i = 0; i < N; i++) {
            double u = random.nextDouble() * total;
            int k = 1;
            while (k < VOCAB - 1 && cdf[k] < u) {
                k++;
            }
            ids[i] = k;
        }
        return ids;
    }

    /** NumPy format 1.0: magic, version, little-endian header length, a header padded to 64 bytes, the data. */
    static byte[] npyInt32(int[] values) throws IOException {
        String dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (" + values.length + ",), }";
        int unpadded = 6 + 2 + 2 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) header.length()).array());
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            data.putInt(v);
        }
        out.write(data.array());
        return out.toByteArray();
    }
}
