package org.uneurons.formats;

/** The model families this module runs; each reads its own config.json schema and tensor names. */
public enum Architecture {
    /** Hugging Face GPT2LMHeadModel / GPT2Model ({@code model_type} gpt2). */
    GPT2,
    /** Hugging Face GPTNeoXForCausalLM / GPTNeoXModel ({@code model_type} gpt_neox), e.g. Pythia. */
    GPT_NEOX
}
