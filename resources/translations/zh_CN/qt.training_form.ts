<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>SpeedControl</name>
    <message>
        <source>Training speed: a pace you can watch, or as fast as possible</source>
        <translation>训练速度：看得清的节奏，或尽可能快</translation>
    </message>
</context>
<context>
    <name>TrainingForm</name>
    <message>
        <source>Learning rate: how far each optimizer step moves the weights (e.g. 0.03, 1e-4)</source>
        <translation>学习率：优化器每一步让权重移动多远（例如 0.03、1e-4）</translation>
    </message>
    <message>
        <source>Hidden layer sizes, comma separated (e.g. 16, 16). Empty: no hidden layer</source>
        <translation>隐藏层大小，用逗号分隔（例如 16, 16）。留空：没有隐藏层</translation>
    </message>
    <message>
        <source>L2 penalty on the weights (0 for none)</source>
        <translation>对权重的 L2 惩罚（0 表示不用）</translation>
    </message>
    <message>
        <source>Standard deviation of the noise added to the data</source>
        <translation>加到数据上的噪声的标准差</translation>
    </message>
    <message>
        <source>Fraction of the samples held out to measure test loss and accuracy</source>
        <translation>留出来测量测试损失和准确率的样本比例</translation>
    </message>
    <message>
        <source>Samples per mini-batch; one step = one batch</source>
        <translation>每个小批量的样本数；一步 = 一个批量</translation>
    </message>
    <message>
        <source>Seeds the data, the initial weights and the batch order: same seed, same run</source>
        <translation>决定数据、初始权重和批量顺序：种子相同，运行就相同</translation>
    </message>
    <message>
        <source>epochs</source>
        <translation>迭代周期</translation>
    </message>
    <message>
        <source>steps</source>
        <translation>步</translation>
    </message>
    <message>
        <source>until paused</source>
        <translation>直到暂停</translation>
    </message>
    <message>
        <source>as fast as possible</source>
        <translation>尽可能快</translation>
    </message>
    <message>
        <source>100 steps/s</source>
        <translation>100 步/秒</translation>
    </message>
    <message>
        <source>25 steps/s (one per frame)</source>
        <translation>25 步/秒（每帧一步）</translation>
    </message>
    <message>
        <source>5 steps/s</source>
        <translation>5 步/秒</translation>
    </message>
    <message>
        <source>1 step/s</source>
        <translation>1 步/秒</translation>
    </message>
    <message>
        <source>Train for a number of epochs or steps, or until you pause</source>
        <translation>训练若干个迭代周期或若干步，或一直训练到你暂停</translation>
    </message>
    <message>
        <source>Spiral and Gaussians only</source>
        <translation>仅用于螺旋和高斯簇</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行设置</translation>
    </message>
    <message>
        <source>Demo</source>
        <translation>演示</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Algorithm</source>
        <translation>算法</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批量大小</translation>
    </message>
    <message>
        <source>Train for</source>
        <translation>训练时长</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Hidden sizes</source>
        <translation>隐藏层大小</translation>
    </message>
    <message>
        <source>Activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <source>Test split</source>
        <translation>测试集比例</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>类别数</translation>
    </message>
    <message>
        <source>{0} is not available: {1}</source>
        <translation>{0} 不可用：{1}</translation>
    </message>
    <message>
        <source>twolayer: the hidden width H (one size)</source>
        <translation>两层网络：隐藏层宽度 H（一个大小）</translation>
    </message>
</context>
</TS>
