package org.uneurons.tokenize;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.uneurons.core.cli.InputException;

/**
 * Documents of a text input: a .txt file is one document; a .jsonl file has one document per line, and optionally a
 * group per document (a field such as {@code meta.pile_set_name}, the Pile's subset).
 */
final class TextDocuments {
    interface DocumentSink {
        /**
         * One document and its group (null when documents are not grouped); {@code bytes} is roughly how much input
         * it came from (for progress).
         */
        void document(String text, String group, long bytes);

        /** True when no more documents are wanted (the row cap was reached). */
        boolean done();
    }

    private TextDocuments() {
    }

    static void readTxt(Path file, DocumentSink sink) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            sink.document(strictUtf8().decode(ByteBuffer.wrap(bytes)).toString(), null, bytes.length);
        } catch (CharacterCodingException e) {
            throw new InputException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
    }

    /**
     * Non-blank lines must be JSON objects with a string field {@code field}, and, when {@code groupField} is given
     * (a dotted path, e.g. {@code meta.pile_set_name}), a string or number there.
     */
    static void readJsonl(Path file, String field, String groupField, DocumentSink sink) {
        long lineNo = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), strictUtf8()), 1 << 16)) {
            String line;
            while (!sink.done()) {
                try {
                    line = r.readLine();
                } catch (CharacterCodingException e) {
                    throw new InputException(file + ": line " + (lineNo + 1) + " is not valid UTF-8");
                }
                if (line == null) {
                    break;
                }
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonElement e;
                try {
                    e = JsonParser.parseString(line);
                } catch (JsonParseException | IllegalStateException ex) {
                    throw new InputException(file + ": line " + lineNo + " is not valid JSON");
                }
                if (!e.isJsonObject()) {
                    throw new InputException(file + ": line " + lineNo + " is not a JSON object");
                }
                JsonElement t = e.getAsJsonObject().get(field);
                if (t == null || !t.isJsonPrimitive() || !t.getAsJsonPrimitive().isString()) {
                    throw new InputException(file + ": line " + lineNo + " has no string field '" + field
                            + "' (set --text-field)");
                }
                String group = groupField == null ? null : group(file, lineNo, e.getAsJsonObject(), groupField);
                sink.document(t.getAsString(), group, line.length() + 1L);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
    }

    /** The value at a dotted path of a JSON object, as text. */
    private static String group(Path file, long lineNo, JsonObject o, String path) {
        JsonElement e = o;
        for (String key : path.split("\\.")) {
            e = e != null && e.isJsonObject() ? e.getAsJsonObject().get(key) : null;
        }
        if (e == null || !e.isJsonPrimitive() || e.getAsJsonPrimitive().isBoolean()) {
            throw new InputException(file + ": line " + lineNo + " has no string field '" + path + "' (--group-field)");
        }
        return e.getAsString();
    }

    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
}
