package org.uneurons.families;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which neurons the families step explains when none is universal. */
class NeuronChoiceTest {
    @TempDir
    Path dir;

    @Test
    void deadNeuronsNeverStandIn() throws IOException {
        // 1 layer x 4 neurons; neuron 2 has the largest excess but is flagged dead (constant on the tokens)
        Path table = Files.writeString(dir.resolve("neurons.csv"), "layer,neuron,excess_corr,is_universal,dead\n"
                + "0,0,0.10,0,0\n0,1,0.30,0,0\n0,2,0.90,0,1\n0,3,0.20,0,0\n");
        NeuronChoice c = NeuronChoice.read(table, 1, 4, 2);
        assertArrayEquals(new int[] {1, 3}, c.neuron(), "the top 2 live neurons, layer-major");
        assertTrue(c.rule().contains("dead neurons left out"), c.rule());
        Path noFlag = Files.writeString(dir.resolve("old.csv"), "layer,neuron,excess_corr,is_universal\n"
                + "0,0,0.10,0\n0,1,0.30,0\n0,2,0.90,0\n0,3,0.20,0\n");
        assertArrayEquals(new int[] {1, 2}, NeuronChoice.read(noFlag, 1, 4, 2).neuron(), "a table without the flag");
    }
}
