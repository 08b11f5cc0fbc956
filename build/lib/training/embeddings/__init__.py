"""Embedding tools shared by illust2vec and manga-mmtl: hashes, Hamming search, morphing,
retrieval and clustering scores, tag mAP, and the figures drawn from them."""
