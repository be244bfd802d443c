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
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.uneurons.core.cli.InputException;

/** Documents of a text input: a .txt file is one document; a .jsonl file has one document per line. */
final class TextDocuments {
    interface DocumentSink {
        /** One document; {@code bytes} is roughly how much input it came from (for progress). */
        void document(String text, long bytes);

        /** True when no more documents are wanted (the row cap was reached). */
        boolean done();
    }

    private TextDocuments() {
    }

    static void readTxt(Path file, DocumentSink sink) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            sink.document(strictUtf8().decode(ByteBuffer.wrap(bytes)).toString(), bytes.length);
        } catch (CharacterCodingException e) {
            throw new InputException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
    }

    /** Non-blank lines must be JSON objects with a string field {@code field}. */
    static void readJsonl(Path file, String field, DocumentSink sink) {
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
                sink.document(t.getAsString(), line.length() + 1L);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
    }

    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
}
