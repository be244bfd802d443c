package org.uneurons.report;

/**
 * A small JSON writer for the neuron browser's data files. The files are loaded as scripts (file:// pages cannot
 * fetch), so strings also escape what could end a script element or a JavaScript line: '<', '>', '&', U+2028 and
 * U+2029. Non-finite numbers become null; numbers keep the shortest float32 text (the browser shows 4 digits).
 */
final class JsonText {
    private final StringBuilder sb = new StringBuilder();
    /** Whether the next value in the open array or object needs a comma before it. */
    private boolean comma;

    JsonText raw(String s) {
        sb.append(s);
        return this;
    }

    JsonText open(char bracket) {
        sep();
        sb.append(bracket);
        comma = false;
        return this;
    }

    JsonText close(char bracket) {
        sb.append(bracket);
        comma = true;
        return this;
    }

    /** A key of the open object; the value follows. */
    JsonText key(String k) {
        sep();
        quote(k);
        sb.append(':');
        comma = false;
        return this;
    }

    JsonText value(String s) {
        sep();
        if (s == null) {
            sb.append("null");
        } else {
            quote(s);
        }
        comma = true;
        return this;
    }

    JsonText value(double v) {
        sep();
        if (!Double.isFinite(v)) {
            sb.append("null");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            sb.append((long) v);
        } else {
            String f = Float.toString((float) v);
            sb.append(f.endsWith(".0") ? f.substring(0, f.length() - 2) : f);
        }
        comma = true;
        return this;
    }

    JsonText value(long v) {
        sep();
        sb.append(v);
        comma = true;
        return this;
    }

    JsonText value(boolean v) {
        sep();
        sb.append(v);
        comma = true;
        return this;
    }

    JsonText numbers(double[] v) {
        open('[');
        for (double x : v) {
            value(x);
        }
        return close(']');
    }

    JsonText integers(int[] v) {
        open('[');
        for (int x : v) {
            value(x);
        }
        return close(']');
    }

    JsonText strings(Iterable<String> v) {
        open('[');
        for (String x : v) {
            value(x);
        }
        return close(']');
    }

    private void sep() {
        if (comma) {
            sb.append(',');
        }
    }

    private void quote(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    int length() {
        return sb.length();
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
