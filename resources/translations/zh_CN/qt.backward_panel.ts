<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>BackwardPanel</name>
    <message>
        <source>{y} is not a scalar, so backward needs a gradient v of its shape: it computes the vector-Jacobian product vᵀ·J, i.e. the gradient of sum(v * {y}).</source>
        <translation>{y} 不是标量，所以反向传播需要一个与它形状相同的梯度 v：它计算向量-雅可比积 vᵀ·J，即 sum(v * {y}) 的梯度。</translation>
    </message>
    <message>
        <source>No tensors yet: create one with requires_grad=True (Ctrl+N), apply an op, then pick the result here to step backward through it.</source>
        <translation>还没有张量：先创建一个 requires_grad=True 的张量（Ctrl+N），对它应用一个运算，再在这里选中结果，逐步执行反向传播。</translation>
    </message>
    <message>
        <source>(choose a tensor)</source>
        <translation>（选择一个张量）</translation>
    </message>
    <message>
        <source>x.grad.zero_() for every leaf that has a gradient (they accumulate otherwise); the arrow offers x.grad = None instead</source>
        <translation>对每个有梯度的叶子执行 x.grad.zero_()（否则梯度会累加）；箭头菜单里可改为 x.grad = None</translation>
    </message>
    <message>
        <source>The tensor backward starts from (clicking tensors elsewhere never changes it)</source>
        <translation>反向传播的起点张量（在别处点击张量不会改变它）</translation>
    </message>
    <message>
        <source>Backward from</source>
        <translation>反向传播起点</translation>
    </message>
    <message>
        <source>gradient v, e.g. [1.0, 0.5, 0.0]</source>
        <translation>梯度 v，例如 [1.0, 0.5, 0.0]</translation>
    </message>
    <message>
        <source>ones</source>
        <translation>全 1</translation>
    </message>
    <message>
        <source>v = ones: the gradient of y.sum()</source>
        <translation>v = 全 1：即 y.sum() 的梯度</translation>
    </message>
    <message>
        <source>Keep the graph's saved tensors after backward, so you can backward through it again</source>
        <translation>反向传播后保留计算图中保存的张量，以便再次对它反向传播</translation>
    </message>
    <message>
        <source>Run backward</source>
        <translation>运行反向传播</translation>
    </message>
    <message>
        <source>Run root.backward(...) for real and record every node</source>
        <translation>真正运行 root.backward(...)，并记录每个节点</translation>
    </message>
    <message>
        <source>Zero grads</source>
        <translation>梯度清零</translation>
    </message>
    <message>
        <source>Set every .grad to None</source>
        <translation>把每个 .grad 设为 None</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <source>Back to before the first step</source>
        <translation>回到第一步之前</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>后退</translation>
    </message>
    <message>
        <source>Step back</source>
        <translation>后退一步</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Play / pause</source>
        <translation>播放 / 暂停</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Step forward: run the next node</source>
        <translation>前进一步：运行下一个节点</translation>
    </message>
    <message>
        <source>End</source>
        <translation>到末尾</translation>
    </message>
    <message>
        <source>Run to the end</source>
        <translation>一直运行到末尾</translation>
    </message>
    <message>
        <source>Play speed: steps per second</source>
        <translation>播放速度：每秒步数</translation>
    </message>
    <message>
        <source>Keep this non-leaf's .grad in the next backward</source>
        <translation>在下一次反向传播中保留这个非叶子张量的 .grad</translation>
    </message>
    <message>
        <source>Check gradient</source>
        <translation>检验梯度</translation>
    </message>
    <message>
        <source>Compare autograd with central finite differences in float64</source>
        <translation>用 float64 的中心有限差分与自动微分的结果比较</translation>
    </message>
    <message>
        <source>Numerical check</source>
        <translation>数值检验</translation>
    </message>
    <message>
        <source>&lt;b&gt;Leaves&lt;/b&gt; — .grad fills up as the steps run</source>
        <translation>&lt;b&gt;叶子节点&lt;/b&gt; — 随着逐步执行，.grad 逐渐累加</translation>
    </message>
    <message>
        <source>Runs from here leave every .grad as it was: nothing to zero</source>
        <translation>从这里运行不会改变任何 .grad：没有需要清零的梯度</translation>
    </message>
    <message>
        <source>Backward from the &lt;b&gt;{e}&lt;/b&gt;: the watched script ran and recorded it. Step through it here; its tensors stay in the script, so it cannot be run again.</source>
        <translation>从 &lt;b&gt;{e}&lt;/b&gt; 开始反向传播：被监视的脚本已运行并记录了它。可在此逐步查看；它的张量留在脚本中，因此不能再次运行。</translation>
    </message>
    <message>
        <source>a scalar</source>
        <translation>标量</translation>
    </message>
    <message>
        <source>shape {shape}</source>
        <translation>形状 {shape}</translation>
    </message>
    <message>
        <source>Backward from the &lt;b&gt;{name}&lt;/b&gt; ({size}, not in the workspace): Run records no code line and leaves every .grad as it was.</source>
        <translation>从 &lt;b&gt;{name}&lt;/b&gt; 开始反向传播（{size}，不在工作区中）：运行时不会记录代码行，也不会改变任何 .grad。</translation>
    </message>
    <message>
        <source>Pick the tensor backward starts from (usually the loss).</source>
        <translation>选择反向传播的起点张量（通常是损失）。</translation>
    </message>
    <message>
        <source>&lt;b&gt;{name}&lt;/b&gt; does not require grad: nothing upstream requires grad (or it was detached / made under no_grad), so there is nothing to backpropagate.</source>
        <translation>&lt;b&gt;{name}&lt;/b&gt; 不需要梯度：它的上游没有需要梯度的张量（或者它被 detach 了 / 是在 no_grad 下创建的），所以没有可以反向传播的内容。</translation>
    </message>
    <message>
        <source>Backward from &lt;b&gt;{name}&lt;/b&gt; (a scalar): it starts from the gradient ∂{name}/∂{name} = 1.</source>
        <translation>从 &lt;b&gt;{name}&lt;/b&gt;（标量）开始反向传播：起始梯度为 ∂{name}/∂{name} = 1。</translation>
    </message>
    <message>
        <source>Backward from &lt;b&gt;{name}&lt;/b&gt;, shape {shape}.</source>
        <translation>从 &lt;b&gt;{name}&lt;/b&gt; 开始反向传播，形状为 {shape}。</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Run backward to record the pass, then step through it.</source>
        <translation>先运行反向传播以记录整个过程，再逐步查看。</translation>
    </message>
    <message>
        <source>PyTorch ran the whole pass ({total} nodes) and gradviz recorded it. The seed gradient waits at the root: press Step.</source>
        <translation>PyTorch 已完成整个过程（{total} 个节点），gradviz 已将其记录下来。初始梯度停在根节点：请按“单步”。</translation>
    </message>
    <message>
        <source>step 0 / {total}</source>
        <translation>第 0 / {total} 步</translation>
    </message>
    <message>
        <source>step {position} / {total}: {label}</source>
        <translation>第 {position} / {total} 步：{label}</translation>
    </message>
    <message>
        <source>{names}: not leaves, so their .grad stays None after backward (PyTorch keeps only the leaves'). Call retain_grad() before backward to keep one.</source>
        <translation>{names}：不是叶子节点，所以反向传播后它们的 .grad 仍为 None（PyTorch 只保留叶子节点的梯度）。要保留其中一个，请在反向传播前调用 retain_grad()。</translation>
    </message>
    <message>
        <source>Gradient stops here (detach / no_grad):</source>
        <translation>梯度在这里截断（detach / no_grad）：</translation>
    </message>
    <message>
        <source>cannot check: {reason}</source>
        <translation>无法检验：{reason}</translation>
    </message>
    <message>
        <source>PASS</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>{verdict}: {title}, autograd vs (f(x+ε) − f(x−ε)) / 2ε in float64</source>
        <translation>{verdict}：{title}，自动微分对比 float64 下的 (f(x+ε) − f(x−ε)) / 2ε</translation>
    </message>
</context>
</TS>