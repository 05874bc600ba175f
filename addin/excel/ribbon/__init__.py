"""The ribbon definition (customUI.xml) and its one VBA callback, the dispatcher (LazarusRibbon.bas), shipped as data
that `lazarus addin build` writes into lazarus.xlam."""
