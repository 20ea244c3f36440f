<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>NewTensorDialog</name>
    <message>
        <source>New tensor</source>
        <translation>新建张量</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>Create the tensor (Enter)</source>
        <translation>创建张量（Enter）</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>关闭（Esc）</translation>
    </message>
</context>
<context>
    <name>TensorForm</name>
    <message>
        <source>a Python name: it is the variable in the exported code</source>
        <translation>一个 Python 名称：它就是导出代码中的变量名</translation>
    </message>
    <message>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>default: float32 for floats, int64 for whole numbers</source>
        <translation>默认：浮点数用 float32，整数用 int64</translation>
    </message>
    <message>
        <source>autograd records ops on it and backward() fills its .grad (float dtypes only)</source>
        <translation>自动微分会记录作用在它上面的运算，backward() 会填充它的 .grad（仅限浮点 dtype）</translation>
    </message>
    <message>
        <source>random (recorded)</source>
        <translation>随机（会被记录）</translation>
    </message>
    <message>
        <source>torch.manual_seed before the call, so the values can be rebuilt</source>
        <translation>调用前先执行 torch.manual_seed，以便重建这些值</translation>
    </message>
    <message>
        <source>Factory</source>
        <translation>工厂函数</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>not random</source>
        <translation>非随机</translation>
    </message>
    <message>
        <source>seed: expected a whole number, got {0!r}</source>
        <translation>随机种子：应为整数，实际得到 {0!r}</translation>
    </message>
    <message>
        <source>seed: use a whole number from 0 to {0}</source>
        <translation>随机种子：请使用 0 到 {0} 之间的整数</translation>
    </message>
    <message>
        <source>Name: type a name for the new tensor, e.g. x</source>
        <translation>名称：请为新张量输入名称，例如 x</translation>
    </message>
    <message>
        <source>Could not create {0}: {1}</source>
        <translation>无法创建 {0}：{1}</translation>
    </message>
    <message>
        <source>tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>Created {0}: shape {1}, {2}{3}</source>
        <translation>已创建 {0}：形状 {1}，{2}{3}</translation>
    </message>
</context>
</TS>
