package org.uneurons.accumulate;

import ai.djl.Device;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.models.Devices;
import org.uneurons.models.NativeTuning;

/**
 * Where the totals live, from {@code --device cpu|gpu|gpu:N} and {@code --accumulator heap|device}. The default
 * accumulator is {@code heap} (Java heap, OpenBLAS) on cpu and {@code device} (float64 arrays on the device, DJL)
 * on a GPU, so that a GPU run keeps its accumulators on the GPU; {@code --gemm tf32|bf16} also chooses the device
 * accumulator (those products run only there; on {@code --device cpu} they are emulated). DJL is started only
 * when a GPU is named or the device accumulator is chosen: the plain CPU path never loads PyTorch.
 */
public record AccumulatorChoice(String deviceSpec, Device device, boolean onDevice) {

    public static AccumulatorChoice parse(Args args) {
        String spec = args.string("device", "cpu").trim();
        boolean cpu = spec.equals("cpu");
        // tf32 and bf16 products run only on a device (emulated on the CPU device), so they choose it by default
        boolean deviceOnly = deviceOnlyGemm(args.string("gemm", "float32"));
        String kind = args.choice("accumulator", cpu && !deviceOnly ? "heap" : "device", "heap", "device");
        if (deviceOnly && kind.equals("heap")) {
            throw new UsageException("--gemm " + args.string("gemm") + " runs on a DJL device: use --accumulator device"
                    + " (the default for tf32 and bf16; on --device cpu their rounding is emulated)");
        }
        if (!cpu || kind.equals("device")) {
            NativeTuning.preferHugePages(); // before the engine starts (Devices.parse starts it for a GPU)
        }
        if (cpu && kind.equals("device") && args.has("threads")
                && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            // --threads sizes PyTorch's CPU thread pool when PyTorch does the products (read when the engine starts)
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(args.positive("threads", 1)));
        }
        Device device = Devices.parse(spec); // exit 2 for a malformed spec, 1 for a GPU this machine lacks
        return new AccumulatorChoice(spec, device, kind.equals("device"));
    }

    /** The --gemm values, float64, float32, tf32 and bf16, parsed (a usage error names them). */
    public static Gemm.Precision precision(Args args) {
        return Gemm.Precision.parse(args.choice("gemm", "float32", Gemm.Precision.NAMES));
    }

    private static boolean deviceOnlyGemm(String gemm) {
        for (Gemm.Precision p : Gemm.Precision.values()) {
            if (p.optionName().equals(gemm)) {
                return p.deviceOnly();
            }
        }
        return false; // an unknown value is refused where --gemm is parsed
    }

    /** Fresh totals for one pair; {@code gemm} is used by the heap accumulator only. */
    public MomentAccumulator create(MomentShape shape, Gemm gemm, Gemm.Precision precision) {
        return onDevice ? new DeviceMoments(shape, device, precision) : new HeapMoments(shape, gemm, precision);
    }

    /** For the log line: "totals on the Java heap" or "totals on device gpu:0". */
    public String describe() {
        return onDevice ? "totals on device " + deviceSpec : "totals on the Java heap";
    }
}
