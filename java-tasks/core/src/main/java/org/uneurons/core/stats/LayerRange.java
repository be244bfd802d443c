package org.uneurons.core.stats;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.UsageException;

/** Layers {@code first..last} (inclusive) of a model: the {@code --layers-a} option of the correlate tools. */
public record LayerRange(int first, int last) {

    /** Every layer of a model with {@code nLayers}. */
    public static LayerRange all(int nLayers) {
        return new LayerRange(0, nLayers - 1);
    }

    /**
     * {@code FIRST-LAST} or one layer; null means every layer. A malformed spec is a usage error, a range outside the
     * model's {@code nLayers} an input error naming {@code what} (the model).
     */
    public static LayerRange parse(String spec, int nLayers, String what) {
        if (spec == null) {
            return all(nLayers);
        }
        int first;
        int last;
        try {
            String[] parts = spec.split("-", -1);
            if (parts.length == 1) {
                first = last = Integer.parseInt(parts[0].trim());
            } else if (parts.length == 2) {
                first = Integer.parseInt(parts[0].trim());
                last = Integer.parseInt(parts[1].trim());
            } else {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new UsageException("--layers-a expects FIRST-LAST or one layer (e.g. 0-5), got '" + spec + "'");
        }
        if (first < 0 || last >= nLayers || first > last) {
            throw new InputException(what + ": --layers-a " + spec + " is not within the model's layers 0-"
                    + (nLayers - 1));
        }
        return new LayerRange(first, last);
    }
}
