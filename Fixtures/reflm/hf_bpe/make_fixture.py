#!/usr/bin/env python3
"""A small byte-level BPE tokenizer.json (trained by Hugging Face `tokenizers` on a slice of Tiny Shakespeare,
vocabulary 400, SmolLM2-style pre-tokenizer: individual digits, then ByteLevel) and its ids for sample texts.
Run: /work/venvs/tok/bin/python Fixtures/reflm/hf_bpe/make_fixture.py [SHARED_DIR]"""
import json, os, sys
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', '..', 'shared')
text = open(os.path.join(SHARED, 'corpus', 'tinyshakespeare.txt'), encoding='utf-8').read()[:60000]
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                             pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tok.train_from_iterator([text], trainer)
tok.save(os.path.join(HERE, 'tokenizer.json'))
samples = ["First Citizen:\nBefore we proceed any further, hear me speak.", "It's 2024, they'll pay 1,000 crowns!",
           "  indented\n\n\nlines  ", "Ünïcödé — “quotes” 🙂", "MENENIUS: What work's, my countrymen, in hand?"]
json.dump({'samples': [{'text': s, 'ids': tok.encode(s).ids} for s in samples]},
          open(os.path.join(HERE, 'golden.json'), 'w'), ensure_ascii=False, indent=0)
print(len(tok.get_vocab()))
