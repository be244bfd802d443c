package org.uneurons.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.uneurons.core.cli.InputException;

/**
 * The run's parameters as an ordered key-value list, from a file (a JSON object, or lines of {@code key=value} or
 * YAML-style {@code key: value}, where indented lines under {@code key:} become {@code key.child} and {@code - item}
 * lines a comma-separated list) and from {@code --param key=value} options, which win.
 */
final class Params {
    static final String WHAT = "a params file: a JSON object, or lines 'key=value' or 'key: value' (# comments)";

    private Params() {
    }

    static Map<String, String> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file (expected " + WHAT + ")");
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")");
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (text.strip().startsWith("{")) {
            try {
                flatten("", JsonParser.parseString(text), out);
            } catch (JsonParseException e) {
                throw new InputException(file + ": not valid JSON (expected " + WHAT + ")");
            }
            return out;
        }
        readLines(file, text, out);
        out.values().removeIf(String::isEmpty);
        return out;
    }

    /** {@code key=value} / {@code key: value} lines, indented sections and {@code - item} lists into {@code out}. */
    private static void readLines(Path file, String text, Map<String, String> out) {
        Deque<int[]> indents = new ArrayDeque<>();   // indentation of each open section
        Deque<String> sections = new ArrayDeque<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            String line = stripComment(raw);
            if (line.isBlank() || line.strip().equals("---")) {
                continue;
            }
            int indent = raw.length() - raw.stripLeading().length();
            while (!indents.isEmpty() && indent <= indents.peek()[0]) {
                indents.pop();
                sections.pop();
            }
            String prefix = sections.isEmpty() ? "" : sections.peek() + ".";
            String s = line.strip();
            if (s.startsWith("- ") && !sections.isEmpty()) {
                String key = sections.peek();
                String item = unquote(s.substring(2).strip());
                out.merge(key, item, (a, b) -> a.isEmpty() ? b : a + ", " + b);
                continue;
            }
            int eq = s.indexOf('=');
            int colon = s.indexOf(": ");
            if (s.endsWith(":")) {
                colon = s.length() - 1;
            }
            int at = eq >= 0 && (colon < 0 || eq < colon) ? eq : colon;
            if (at <= 0) {
                throw new InputException(file + ": line " + (i + 1) + ": '" + s + "' is not 'key=value' or 'key: value'");
            }
            String key = prefix + s.substring(0, at).strip();
            String value = s.substring(at + 1).strip();
            if (value.isEmpty() && at == colon) {
                indents.push(new int[] {indent});
                sections.push(key);
                out.put(key, "");
                continue;
            }
            out.put(key, unquote(value));
        }
    }

    /** A {@code --param key=value} option. */
    static Map.Entry<String, String> option(String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
            throw new org.uneurons.core.cli.UsageException("--param expects key=value, got '" + kv + "'");
        }
        return Map.entry(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
    }

    private static void flatten(String prefix, JsonElement e, Map<String, String> out) {
        if (e.isJsonObject()) {
            e.getAsJsonObject().entrySet().forEach(en -> flatten(prefix.isEmpty() ? en.getKey() : prefix + "." + en.getKey(),
                    en.getValue(), out));
        } else if (e.isJsonArray()) {
            StringBuilder sb = new StringBuilder();
            e.getAsJsonArray().forEach(x -> sb.append(sb.length() == 0 ? "" : ", ")
                    .append(x.isJsonPrimitive() ? x.getAsString() : x.toString()));
            out.put(prefix, sb.toString());
        } else if (e.isJsonNull()) {
            out.put(prefix, "null");
        } else {
            out.put(prefix, e.getAsString());
        }
    }

    private static String stripComment(String line) {
        int h = line.indexOf(" #");
        if (line.stripLeading().startsWith("#")) {
            return "";
        }
        return h >= 0 ? line.substring(0, h) : line;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
