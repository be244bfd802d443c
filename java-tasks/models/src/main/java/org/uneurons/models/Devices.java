package org.uneurons.models;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.UsageException;

/** Maps the --device option ("cpu", "gpu", "gpu:N") to a DJL device that exists on this machine. */
public final class Devices {
    private Devices() {
    }

    public static Device parse(String spec) {
        String s = spec.trim();
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        int index;
        if (s.equals("gpu")) {
            index = 0;
        } else if (s.startsWith("gpu:")) {
            try {
                index = Integer.parseInt(s.substring(4));
            } catch (NumberFormatException e) {
                throw new UsageException("--device expects cpu, gpu or gpu:N, got '" + spec + "'");
            }
            if (index < 0) {
                throw new UsageException("--device expects cpu, gpu or gpu:N, got '" + spec + "'");
            }
        } else {
            throw new UsageException("--device expects cpu, gpu or gpu:N, got '" + spec + "'");
        }
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (index >= gpus) {
            throw new InputException("--device " + spec + ": " + (gpus == 0
                    ? "no GPU is visible to PyTorch on this machine (this build has "
                            + (cudaBuild() ? "CUDA support" : "the CPU-only PyTorch library") + "); use --device cpu"
                    : "only " + gpus + " GPU(s) visible (gpu:0 to gpu:" + (gpus - 1) + ")"));
        }
        return Device.gpu(index);
    }

    private static boolean cudaBuild() {
        return Engine.getEngine("PyTorch").hasCapability("CUDA");
    }

    /**
     * What a run on {@code device} used, for versions.yml: DJL's and PyTorch's versions, CUDA's (none on a CPU-only
     * machine) and the device, e.g. {djl: 0.33.0, pytorch: 2.5.1, cuda: none, device: cpu()}.
     */
    public static java.util.Map<String, String> components(Device device) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("djl", Engine.getDjlVersion());
        m.put("pytorch", Engine.getEngine("PyTorch").getVersion());
        String cuda = ai.djl.util.cuda.CudaUtils.hasCuda() ? ai.djl.util.cuda.CudaUtils.getCudaVersionString() : null;
        m.put("cuda", cuda == null ? "none" : cuda);
        m.put("device", device.toString());
        return m;
    }
}
