<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ActivationsTab</name>
    <message>
        <source>this model has no activation layer
(linreg is one nn.Linear: y = Xw + b)</source>
        <translation>这个模型没有激活层
（linreg 只是一个 nn.Linear：y = Xw + b）</translation>
    </message>
    <message>
        <source>Activation f(x) and f′(x) (autograd)</source>
        <translation>激活函数 f(x) 与 f′(x)（自动微分）</translation>
    </message>
    <message>
        <source>Activation mean ± std per layer</source>
        <translation>各层激活的均值 ± 标准差</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Dead units (ReLU: 0 for every probe sample)</source>
        <translation>死亡单元（ReLU：在所有探测样本上都为 0）</translation>
    </message>
    <message>
        <source>fraction</source>
        <translation>比例</translation>
    </message>
    <message>
        <source>Activation distribution over time</source>
        <translation>激活分布随时间的变化</translation>
    </message>
    <message>
        <source>activation</source>
        <translation>激活值</translation>
    </message>
    <message>
        <source>Layer for the distribution</source>
        <translation>分布所用的层</translation>
    </message>
    <message>
        <source>Which layer&apos;s histogram to show</source>
        <translation>显示哪一层的直方图</translation>
    </message>
    <message>
        <source>curves appear when training starts</source>
        <translation>训练开始后这里会出现曲线</translation>
    </message>
    <message>
        <source>only ReLU layers have dead units</source>
        <translation>只有 ReLU 层会有死亡单元</translation>
    </message>
    <message>
        <source>{0} mean</source>
        <translation>{0} 均值</translation>
    </message>
    <message>
        <source>{0} std</source>
        <translation>{0} 标准差</translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>Gradient norm per layer</source>
        <translation>各层梯度范数</translation>
    </message>
    <message>
        <source>‖∇‖ (log)</source>
        <translation>‖∇‖（对数）</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>对数坐标</translation>
    </message>
    <message>
        <source>Plot the loss on a logarithmic axis</source>
        <translation>用对数坐标轴绘制损失</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>train (batch mean)</source>
        <translation>训练（批量平均）</translation>
    </message>
    <message>
        <source>train (all data)</source>
        <translation>训练（全部数据）</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>curves appear when training starts</source>
        <translation>训练开始后这里会出现曲线</translation>
    </message>
    <message>
        <source>this run&apos;s data lives in its script</source>
        <translation>这次运行的数据在它的脚本里</translation>
    </message>
    <message>
        <source>logged accuracy</source>
        <translation>记录的准确率</translation>
    </message>
    <message>
        <source>Your data</source>
        <translation>你的数据</translation>
    </message>
    <message>
        <source>Start runs your model file; its data shows here</source>
        <translation>“开始”会运行你的模型文件；它的数据显示在这里</translation>
    </message>
    <message>
        <source>Your data: {0} training samples × {1} features (feature 1 shown)</source>
        <translation>你的数据：{0} 个训练样本 × {1} 个特征（显示特征 1）</translation>
    </message>
    <message>
        <source>target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>feature 1</source>
        <translation>特征 1</translation>
    </message>
    <message>
        <source>regression: no accuracy (see the loss)</source>
        <translation>回归：没有准确率（请看损失）</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Decision boundary: train ● and test ○</source>
        <translation>决策边界：训练 ● 与测试 ○</translation>
    </message>
    <message>
        <source>Data: y against x₂ (d2l 3.3), fit at x₁ = 0</source>
        <translation>数据：y 与 x₂ 的关系（d2l 3.3），拟合线取 x₁ = 0</translation>
    </message>
    <message>
        <source>samples</source>
        <translation>样本</translation>
    </message>
    <message>
        <source>truth</source>
        <translation>真实值</translation>
    </message>
    <message>
        <source>learned</source>
        <translation>学到的</translation>
    </message>
    <message>
        <source>Learned w and b against the truth</source>
        <translation>学到的 w、b 与真实值对比</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Targets y (top) and prediction ŷ (bottom), 64 samples × 10</source>
        <translation>目标 y（上）与预测 ŷ（下），64 个样本 × 10</translation>
    </message>
    <message>
        <source>output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>sample</source>
        <translation>样本</translation>
    </message>
    <message>
        <source>Prediction against target (all 640 outputs)</source>
        <translation>预测与目标对比（全部 640 个输出）</translation>
    </message>
    <message>
        <source>outputs</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>batch loss {0}</source>
        <translation>批量损失 {0}</translation>
    </message>
    <message>
        <source>test loss {0}</source>
        <translation>测试损失 {0}</translation>
    </message>
    <message>
        <source>train accuracy {0} %</source>
        <translation>训练准确率 {0} %</translation>
    </message>
    <message>
        <source>test accuracy {0} %</source>
        <translation>测试准确率 {0} %</translation>
    </message>
    <message>
        <source>w = [{0}], b = {1}  (truth [2, -3.4], 4.2)</source>
        <translation>w = [{0}]，b = {1}（真实值 [2, -3.4]，4.2）</translation>
    </message>
</context>
<context>
    <name>PlotTabs</name>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Weights &amp;&amp; gradients</source>
        <translation>权重与梯度</translation>
    </message>
    <message>
        <source>Activations</source>
        <translation>激活</translation>
    </message>
</context>
<context>
    <name>WeightsTab</name>
    <message>
        <source>Which layer&apos;s distributions to show</source>
        <translation>显示哪一层的分布</translation>
    </message>
    <message>
        <source>Weight distribution over time</source>
        <translation>权重分布随时间的变化</translation>
    </message>
    <message>
        <source>weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Gradient distribution over time</source>
        <translation>梯度分布随时间的变化</translation>
    </message>
    <message>
        <source>gradient</source>
        <translation>梯度</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>brighter = more values (√count), like TensorBoard&apos;s distributions</source>
        <translation>越亮 = 值越多（√计数），与 TensorBoard 的分布图相同</translation>
    </message>
</context>
</TS>
