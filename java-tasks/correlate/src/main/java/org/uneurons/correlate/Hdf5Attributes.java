package org.uneurons.correlate;

import java.lang.reflect.Array;

import io.jhdf.api.Attribute;
import io.jhdf.api.Node;

/** Reading attributes that h5py, jhdf and other writers store in slightly different shapes (scalar or [1]). */
public final class Hdf5Attributes {
    private Hdf5Attributes() {
    }

    /** The attribute's value as a scalar (unwrapping one-element arrays), or null when absent. */
    public static Object scalar(Node node, String name) {
        Attribute a = node.getAttributes().get(name);
        if (a == null) {
            return null;
        }
        Object v = a.getData();
        if (v != null && v.getClass().isArray()) {
            return Array.getLength(v) == 1 ? Array.get(v, 0) : v;
        }
        return v;
    }

    public static String string(Node node, String name) {
        Object v = scalar(node, name);
        return v == null ? null : v.toString();
    }

    /** An integer attribute; null when absent; {@code what} names the file in the error for a non-integer. */
    public static Integer integer(Node node, String name, String what) {
        Object v = scalar(node, name);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return Math.toIntExact(n.longValue());
        }
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new org.uneurons.core.cli.InputException(what + ": attribute " + name + " is '" + v + "', expected an integer");
        }
    }
}
