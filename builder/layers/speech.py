"""Audio front ends: Spectrogram and MelSpectrogram, NetCanvas layers written in torch (torch.stft and
a mel filterbank built with torch), so the exported code still needs only torch. Not ``torch.nn``
classes: the generated file defines them (``helper``)."""
from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import Param, bilingual
from ..shape_math import checked, expect_rank

MAX_FFT = 16_384

SPECTROGRAM_SOURCE = '''class Spectrogram(nn.Module):
    """Waveforms (N, T) or (N, C, T) -> spectrograms (N, C, n_fft // 2 + 1, 1 + T // hop_length): the power
    of a Hann-windowed short-time Fourier transform (torch.stft, centred), log(power + 1e-6) when log."""

    def __init__(self, n_fft=256, hop_length=128, log=True):
        super().__init__()
        self.n_fft, self.hop_length, self.log = n_fft, hop_length, log
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def power(self, x):
        frames = torch.stft(x.reshape(-1, x.shape[-1]), self.n_fft, self.hop_length, window=self.window,
                            center=True, pad_mode="reflect", return_complex=True)
        return frames.abs() ** 2                      # (N * C, frequencies, frames)

    def forward(self, x):
        spec = self.power(x)
        spec = spec.reshape(x.shape[0], -1, *spec.shape[-2:])
        return torch.log(spec + 1e-6) if self.log else spec'''

MEL_SOURCE = '''class MelSpectrogram(Spectrogram):
    """Waveforms (N, T) or (N, C, T) -> mel spectrograms (N, C, n_mels, frames): the spectrogram's power
    summed by n_mels triangular filters evenly spaced on the mel scale (HTK) from 0 Hz to sample_rate / 2."""

    def __init__(self, n_fft=256, hop_length=128, n_mels=40, sample_rate=8000, log=True):
        super().__init__(n_fft, hop_length, log)
        hz = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1)
        top = 2595 * torch.log10(torch.tensor(1 + sample_rate / 2 / 700))
        edges = 700 * (10 ** (torch.linspace(0, float(top), n_mels + 2) / 2595) - 1)
        low, mid, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
        filters = torch.minimum((hz - low) / (mid - low), (high - hz) / (high - mid)).clamp(min=0)
        self.register_buffer("filters", filters, persistent=False)      # (n_mels, frequencies)

    def power(self, x):
        return self.filters @ super().power(x)'''


def _fft_params():
    return (Param("n_fft", "int", 256, bilingual("Samples in each analysed window (frequencies: n_fft / 2 + 1).",
                                                  "每个分析窗口的采样点数（频率数：n_fft / 2 + 1）。"), lo=8, hi=MAX_FFT),
            Param("hop_length", "int", 128, bilingual("Samples between the starts of two windows.",
                                                       "相邻两个窗口起点之间的采样点数。"), lo=1, hi=MAX_FFT))


_LOG = Param("log", "bool", True, bilingual("Take log(power + 1e-6): loudness as the ear hears it.",
                                            "取 log(功率 + 1e-6)：更接近人耳感受的响度。"))
_MEL_PARAMS = (Param("n_mels", "int", 40, bilingual("Mel bands (rows of the output).", "梅尔频带数（输出的行数）。"),
                     lo=1, hi=1024),
               Param("sample_rate", "int", 8000, bilingual("Sample rate of the waveform in Hz (sets the bands' frequencies).",
                                                           "波形的采样率（Hz），决定各频带的频率。"), lo=1000, hi=192_000))


def _check(p):
    if p["hop_length"] > p["n_fft"]:
        raise GraphError("speech.hop", param="hop_length", received=p["hop_length"], n_fft=p["n_fft"])
    if "n_mels" in p and p["n_mels"] > p["n_fft"] // 2 + 1:
        raise GraphError("speech.mels", param="n_mels", received=p["n_mels"], most=p["n_fft"] // 2 + 1,
                         n_fft=p["n_fft"])


def _infer(layer: str):
    def infer(ins, p):
        x = ins[0]
        expect_rank(layer, x, (1, 2), "(T,) or (C, T): waveforms")
        channels, length = (1, x[0]) if len(x) == 1 else x
        if length < p["n_fft"]:
            raise GraphError("speech.too_short", layer=layer, n_fft=p["n_fft"], received_shape=list(x))
        frames = 1 + (length + 2 * (p["n_fft"] // 2) - p["n_fft"]) // p["hop_length"]
        rows = p.get("n_mels", p["n_fft"] // 2 + 1)
        return checked(layer, (channels, rows, frames))
    return infer


register(LayerSpec(
    type="Spectrogram", category="audio", title=bilingual("Spectrogram", "声谱图"),
    help=bilingual("Turns waveforms into a picture of frequencies over time.", "把波形变成“频率随时间变化”的图像。"),
    explain=bilingual(
        "Cuts the waveform into overlapping windows of n_fft samples, hop_length apart, and measures the power of "
        "each frequency in each (a short-time Fourier transform). Input (T,) or (C, T); output (C, frequencies, "
        "frames), an image a Conv2d can read. Nothing is learned; it runs inside the model, so the exported code "
        "takes raw waveforms.",
        "把波形切成长度为 n_fft、间隔 hop_length 的重叠窗口，测量每个窗口中各频率的功率（短时傅里叶变换）。"
        "输入 (T,) 或 (C, T)；输出 (C, 频率, 帧)，是 Conv2d 可以读取的图像。不学习参数；它在模型内部运行，"
        "因此导出的代码直接接收原始波形。"),
    params=(*_fft_params(), _LOG), check=_check, infer=_infer("Spectrogram"), module="Spectrogram",
    helper=(SPECTROGRAM_SOURCE,), key_params=("n_fft", "hop_length"),
))
register(LayerSpec(
    type="MelSpectrogram", category="audio", title=bilingual("Mel spectrogram", "梅尔声谱图"),
    help=bilingual("A spectrogram with frequencies grouped as the ear hears them.", "按人耳感知方式合并频率的声谱图。"),
    explain=bilingual(
        "A spectrogram whose frequencies are summed into n_mels bands, narrow at low pitch and wide at high pitch "
        "(the mel scale), usually on a log scale: the standard input of speech recognisers. Input (T,) or (C, T); "
        "output (C, n_mels, frames). Nothing is learned.",
        "把声谱图的频率合并成 n_mels 个频带：低音处窄、高音处宽（梅尔刻度），通常再取对数：这是语音识别的标准输入。"
        "输入 (T,) 或 (C, T)；输出 (C, n_mels, 帧)。不学习参数。"),
    params=(*_fft_params(), *_MEL_PARAMS, _LOG), check=_check, infer=_infer("MelSpectrogram"),
    module="MelSpectrogram", helper=(SPECTROGRAM_SOURCE, MEL_SOURCE), key_params=("n_mels", "hop_length"),
))
